//! Checkpoints: the weights as `model.safetensors` and the architecture as `config.json` in one
//! folder, each written atomically, loading back into a fresh process bit-for-bit.

use crate::{Cae, CaeConfig, CaeError, Encoder, ParamSpec};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use painter_io::{read_json, write_json};
use painter_train::{read_tensors, var_map, write_tensors};
use std::collections::HashMap;
use std::path::Path;

/// Saving and loading autoencoder checkpoints.
///
/// ```
/// use candle_core::{Device, Module, Tensor};
/// use candle_nn::VarMap;
/// use painter_cae::{load_cae, Cae, CaeCheckpoint, CaeConfig};
/// let dir = tempfile::tempdir().unwrap();
/// let cfg = CaeConfig { image_size: 8, filters: vec![2, 3], ..CaeConfig::compact() };
/// let vm = VarMap::new();
/// let cae = Cae::new_seeded(&cfg, &vm, 1, &Device::Cpu).unwrap();
/// CaeCheckpoint::save(dir.path(), &cfg, &vm).unwrap();
/// let (cfg2, _vm2, cae2) = load_cae(dir.path(), &Device::Cpu).unwrap();
/// assert_eq!(cfg, cfg2);
/// let x = Tensor::ones((1, 3, 8, 8), candle_core::DType::F32, &Device::Cpu).unwrap();
/// let (a, b) = (cae.forward(&x).unwrap(), cae2.forward(&x).unwrap());
/// assert_eq!(a.flatten_all().unwrap().to_vec1::<f32>().unwrap(), b.flatten_all().unwrap().to_vec1::<f32>().unwrap());
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct CaeCheckpoint;

impl CaeCheckpoint {
    /// The weights file inside a checkpoint folder.
    pub const WEIGHTS_FILE: &'static str = "model.safetensors";
    /// The architecture file inside a checkpoint folder.
    pub const CONFIG_FILE: &'static str = "config.json";

    /// Writes every variable of `varmap` to `dir/model.safetensors` and `cfg` to `dir/config.json`
    /// (each atomically; the folder is created). Refuses a `varmap` that lacks a parameter of `cfg`
    /// or holds one of the wrong shape.
    pub fn save(dir: &Path, cfg: &CaeConfig, varmap: &VarMap) -> Result<(), CaeError> {
        cfg.validate()?;
        let tensors = varmap_tensors(varmap)?;
        check_specs(dir, &cfg.parameter_specs(), &tensors)?;
        write_tensors(&dir.join(Self::WEIGHTS_FILE), &tensors)?;
        Ok(write_json(&dir.join(Self::CONFIG_FILE), cfg)?)
    }

    /// Reads a checkpoint folder: its configuration and a new `VarMap` holding every tensor of
    /// `model.safetensors` on `device`, after checking that the parameters of the full autoencoder
    /// are all there with the right shapes and type.
    pub fn load(dir: &Path, device: &Device) -> Result<(CaeConfig, VarMap), CaeError> {
        let (cfg, vm) = Self::load_unchecked(dir, device)?;
        check_varmap(dir, &cfg.parameter_specs(), &vm)?;
        Ok((cfg, vm))
    }

    /// Reads the configuration of a checkpoint folder.
    pub fn load_config(dir: &Path) -> Result<CaeConfig, CaeError> {
        let cfg: CaeConfig = read_json(&dir.join(Self::CONFIG_FILE))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn load_unchecked(dir: &Path, device: &Device) -> Result<(CaeConfig, VarMap), CaeError> {
        let cfg = Self::load_config(dir)?;
        let tensors = read_tensors(&dir.join(Self::WEIGHTS_FILE), device)
            .map_err(|e| CaeError::checkpoint(dir, e.to_string()))?;
        let vars = tensors
            .into_iter()
            .map(|(name, t)| Ok((name, Var::from_tensor(&t)?)))
            .collect::<Result<Vec<_>, CaeError>>()?;
        Ok((cfg, var_map(vars)?))
    }
}

/// Loads a checkpoint folder into a ready [`Cae`] (with the `VarMap` holding its variables, for
/// further training).
pub fn load_cae(dir: &Path, device: &Device) -> Result<(CaeConfig, VarMap, Cae), CaeError> {
    let (cfg, vm) = CaeCheckpoint::load(dir, device)?;
    let cae = Cae::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, device))?;
    Ok((cfg, vm, cae))
}

/// Loads only the encoder of a checkpoint folder (the decoder's tensors may be absent; if present
/// they stay in the returned `VarMap` unused).
pub fn load_encoder(dir: &Path, device: &Device) -> Result<(CaeConfig, VarMap, Encoder), CaeError> {
    let (cfg, vm) = CaeCheckpoint::load_unchecked(dir, device)?;
    check_varmap(dir, &cfg.encoder_parameter_specs(), &vm)?;
    let enc = Encoder::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, device))?;
    Ok((cfg, vm, enc))
}

pub(crate) fn varmap_tensors(varmap: &VarMap) -> Result<Vec<(String, Tensor)>, CaeError> {
    let named = painter_train::named_vars(varmap)?;
    Ok(named
        .into_iter()
        .map(|(k, v)| (k, v.as_tensor().clone()))
        .collect())
}

fn check_specs(
    dir: &Path,
    specs: &[ParamSpec],
    tensors: &[(String, Tensor)],
) -> Result<(), CaeError> {
    let by_name: HashMap<&str, &Tensor> = tensors.iter().map(|(k, t)| (k.as_str(), t)).collect();
    for spec in specs {
        match by_name.get(spec.name.as_str()) {
            None => {
                return Err(CaeError::checkpoint(
                    dir,
                    format!("missing tensor {}", spec.name),
                ))
            }
            Some(t) if t.dims() != spec.shape.as_slice() => {
                return Err(CaeError::checkpoint(
                    dir,
                    format!(
                        "tensor {} has shape {:?}, expected {:?}",
                        spec.name,
                        t.dims(),
                        spec.shape
                    ),
                ))
            }
            Some(t) if t.dtype() != DType::F32 => {
                return Err(CaeError::checkpoint(
                    dir,
                    format!("tensor {} is {:?}, expected f32", spec.name, t.dtype()),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn check_varmap(dir: &Path, specs: &[ParamSpec], vm: &VarMap) -> Result<(), CaeError> {
    check_specs(dir, specs, &varmap_tensors(vm)?)
}
