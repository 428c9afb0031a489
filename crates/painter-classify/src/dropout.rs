//! Seeded dropout and spatial dropout (SpatialDropout2D), with inverted scaling (`1 / (1 - p)` for
//! kept values) so nothing changes at prediction time.
//!
//! The masks come from the caller's seeded generator, which makes training reproducible on the CPU
//! (Candle's own dropout draws from an unseedable generator).

use candle_core::{Result, Tensor};
use rand::Rng;

fn mask(n: usize, p: f32, rng: &mut impl Rng) -> Vec<f32> {
    let keep = 1.0 / (1.0 - p);
    (0..n)
        .map(|_| if rng.random::<f32>() < p { 0.0 } else { keep })
        .collect()
}

/// Zeros every value of `x` with probability `p` and scales the rest by `1 / (1 - p)`.
/// `p == 0` returns `x` unchanged.
pub fn dropout(x: &Tensor, p: f32, rng: &mut impl Rng) -> Result<Tensor> {
    if p <= 0.0 {
        return Ok(x.clone());
    }
    let m = Tensor::from_vec(mask(x.elem_count(), p, rng), x.shape(), x.device())?;
    x.mul(&m.to_dtype(x.dtype())?)
}

/// SpatialDropout2D: zeros whole feature maps of `x` (`N x C x H x W`) with probability `p`, one draw
/// per image and channel, and scales the kept maps by `1 / (1 - p)`.
pub fn spatial_dropout(x: &Tensor, p: f32, rng: &mut impl Rng) -> Result<Tensor> {
    if p <= 0.0 {
        return Ok(x.clone());
    }
    let (n, c, _, _) = x.dims4()?;
    let m = Tensor::from_vec(mask(n * c, p, rng), (n, c, 1, 1), x.device())?;
    x.broadcast_mul(&m.to_dtype(x.dtype())?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn dropout_keeps_the_mean_and_is_seeded() -> Result<()> {
        let x = Tensor::ones(100_000, candle_core::DType::F32, &Device::Cpu)?;
        let a = dropout(&x, 0.3, &mut ChaCha8Rng::seed_from_u64(1))?.to_vec1::<f32>()?;
        let b = dropout(&x, 0.3, &mut ChaCha8Rng::seed_from_u64(1))?.to_vec1::<f32>()?;
        assert_eq!(a, b);
        let zeros = a.iter().filter(|&&v| v == 0.0).count() as f64 / a.len() as f64;
        assert!((zeros - 0.3).abs() < 0.01, "{zeros}");
        let mean = a.iter().map(|&v| v as f64).sum::<f64>() / a.len() as f64;
        assert!((mean - 1.0).abs() < 0.02, "{mean}");
        Ok(())
    }

    #[test]
    fn spatial_dropout_drops_whole_maps() -> Result<()> {
        let x = Tensor::ones((8, 16, 3, 3), candle_core::DType::F32, &Device::Cpu)?;
        let y = spatial_dropout(&x, 0.5, &mut ChaCha8Rng::seed_from_u64(3))?;
        let maps = y.reshape((8 * 16, 9))?.to_vec2::<f32>()?;
        let mut dropped = 0;
        for m in &maps {
            assert!(m.iter().all(|&v| v == m[0]), "a map is not uniform: {m:?}");
            assert!(m[0] == 0.0 || (m[0] - 2.0).abs() < 1e-6);
            dropped += usize::from(m[0] == 0.0);
        }
        assert!(dropped > 30 && dropped < 98, "{dropped}");
        Ok(())
    }
}
