//! Seeded initialization of the autoencoder's parameters.
//!
//! Candle cannot seed its CPU random generator, so a reproducible run fills the `VarMap` itself
//! before the model is built: [`init_parameters`] draws every parameter from
//! `U(-1/sqrt(fan_in), 1/sqrt(fan_in))` (PyTorch's default for convolutions) with a ChaCha8 generator
//! keyed by the seed and the parameter's name, then [`crate::Cae::new`] finds the variables in place.

use crate::{CaeConfig, CaeError};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::VarMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator for parameter `name` under `seed`: independent of the order parameters are made in.
fn param_rng(seed: u64, name: &str) -> ChaCha8Rng {
    // FNV-1a of the name, mixed with the seed.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&h.to_le_bytes());
    key[16..24].copy_from_slice(b"cae-init");
    ChaCha8Rng::from_seed(key)
}

/// Fills `varmap` with a seeded initialization of every parameter of the autoencoder described by
/// `cfg` (`f32`, on `device`). Variables already present are overwritten if their shape matches and
/// refused otherwise; variables for other names are left alone.
///
/// ```
/// use candle_core::Device;
/// use candle_nn::VarMap;
/// use painter_cae::{init_parameters, CaeConfig};
/// let mut cfg = CaeConfig::compact();
/// cfg.image_size = 16;
/// cfg.filters = vec![2, 3];
/// let (a, b) = (VarMap::new(), VarMap::new());
/// init_parameters(&cfg, &a, 7, &Device::Cpu).unwrap();
/// init_parameters(&cfg, &b, 7, &Device::Cpu).unwrap();
/// let weight = |m: &VarMap| {
///     let data = m.data().lock().unwrap();
///     data["encoder.conv1.weight"].flatten_all().unwrap().to_vec1::<f32>().unwrap()
/// };
/// assert_eq!(weight(&a), weight(&b)); // same seed, same weights
/// ```
pub fn init_parameters(
    cfg: &CaeConfig,
    varmap: &VarMap,
    seed: u64,
    device: &Device,
) -> Result<(), CaeError> {
    cfg.validate()?;
    let mut data = varmap
        .data()
        .lock()
        .map_err(|_| CaeError::Poisoned("VarMap".into()))?;
    for spec in cfg.parameter_specs() {
        let bound = 1.0 / (spec.fan_in.max(1) as f32).sqrt();
        let mut rng = param_rng(seed, &spec.name);
        let n: usize = spec.shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| rng.random_range(-bound..bound)).collect();
        let t = Tensor::from_vec(values, spec.shape.as_slice(), device)?;
        match data.get(&spec.name) {
            Some(var) => {
                if var.dims() != spec.shape.as_slice() {
                    return Err(CaeError::VariableShape {
                        name: spec.name.clone(),
                        found: var.dims().to_vec(),
                        expected: spec.shape.clone(),
                    });
                }
                var.set(&t.to_dtype(var.dtype())?)?;
            }
            None => {
                data.insert(
                    spec.name.clone(),
                    Var::from_tensor(&t.to_dtype(DType::F32)?)?,
                );
            }
        }
    }
    Ok(())
}
