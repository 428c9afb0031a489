//! Seeded, deterministic parameter initialization.
//!
//! Candle's CPU random generator cannot be seeded, so the classifier draws its initial weights here:
//! PyTorch's default for dense layers, `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` for weights and biases.
//! Large layers are filled in parallel, in fixed chunks that each get their own seed derived from the
//! layer's seed, so the values do not depend on the number of threads.

use candle_core::{Device, Result, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

const CHUNK: usize = 1 << 20;

/// Derives a seed for a sub-stream `stream` of `seed` (a SplitMix64 step, so nearby inputs differ).
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` values drawn uniformly from `[-bound, bound)`, reproducible from `seed`.
pub fn uniform_values(n: usize, bound: f32, seed: u64) -> Vec<f32> {
    let mut out = vec![0f32; n];
    out.par_chunks_mut(CHUNK)
        .enumerate()
        .for_each(|(i, chunk)| {
            let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(seed, i as u64));
            for v in chunk.iter_mut() {
                *v = rng.random_range(-bound..bound);
            }
        });
    out
}

/// A tensor of `shape` filled by [`uniform_values`].
pub fn uniform_tensor(shape: &[usize], bound: f32, seed: u64, device: &Device) -> Result<Tensor> {
    let n = shape.iter().product();
    Tensor::from_vec(uniform_values(n, bound, seed), shape, device)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_values_are_reproducible_and_bounded() {
        let a = uniform_values(3 * CHUNK / 2, 0.25, 7);
        let b = uniform_values(3 * CHUNK / 2, 0.25, 7);
        let c = uniform_values(3 * CHUNK / 2, 0.25, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|v| (-0.25..0.25).contains(v)));
        let mean = a.iter().map(|&v| v as f64).sum::<f64>() / a.len() as f64;
        let var = a.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / a.len() as f64;
        // U(-b, b) has mean 0 and variance b^2 / 3.
        assert!(mean.abs() < 1e-3, "mean {mean}");
        assert!((var - 0.25f64.powi(2) / 3.0).abs() < 1e-3, "var {var}");
    }
}
