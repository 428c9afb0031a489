//! [`PretrainedEncoder`]: the CAE's encoder (from a painter-cae checkpoint, or seeded at random) as
//! the classifier's [`FeatureExtractor`].

use crate::error::Result;
use crate::extractor::FeatureExtractor;
use crate::vars::checked_vars;
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use painter_cae::{init_parameters, load_encoder, CaeConfig, Encoder};
use std::path::Path;

/// The encoder half of a convolutional autoencoder, with its variables (`encoder.conv{i}.weight` /
/// `.bias`, `f32`).
#[derive(Debug, Clone)]
pub struct PretrainedEncoder {
    config: CaeConfig,
    vars: Vec<(String, Var)>,
    encoder: Encoder,
    device: Device,
}

fn encoder_vars(varmap: &VarMap) -> Result<Vec<(String, Var)>> {
    let named = painter_train::named_vars(varmap)?;
    Ok(named
        .into_iter()
        .filter(|(k, _)| k.starts_with("encoder."))
        .collect())
}

impl PretrainedEncoder {
    /// Loads the encoder of a CAE checkpoint folder (`model.safetensors` + `config.json`, as written
    /// by painter-cae); the decoder's tensors, if any, are dropped.
    pub fn load(dir: &Path, device: &Device) -> Result<Self> {
        let (config, varmap, encoder) = load_encoder(dir, device)?;
        let vars = encoder_vars(&varmap)?;
        Ok(Self {
            config,
            vars,
            encoder,
            device: device.clone(),
        })
    }

    /// A randomly initialized encoder for `config` (painter-cae's seeded initialization): a baseline
    /// without pretraining, and what tests use.
    pub fn seeded(config: &CaeConfig, seed: u64, device: &Device) -> Result<Self> {
        let varmap = VarMap::new();
        init_parameters(config, &varmap, seed, device)?;
        Self::from_varmap(config, &varmap, device)
    }

    /// Builds the encoder from named tensors (`encoder.conv{i}.weight` / `.bias`), e.g. read back from
    /// a saved classifier; names and shapes are checked against `config`.
    pub fn from_tensors(
        config: &CaeConfig,
        get: impl FnMut(&str) -> Option<Tensor>,
        device: &Device,
    ) -> Result<Self> {
        config.validate()?;
        let specs = config
            .encoder_parameter_specs()
            .into_iter()
            .map(|spec| (spec.name, spec.shape));
        let varmap = checked_vars("encoder", specs, get, device)?;
        Self::from_varmap(config, &varmap, device)
    }

    fn from_varmap(config: &CaeConfig, varmap: &VarMap, device: &Device) -> Result<Self> {
        let encoder = Encoder::new(config, VarBuilder::from_varmap(varmap, DType::F32, device))?;
        let vars = encoder_vars(varmap)?;
        Ok(Self {
            config: config.clone(),
            vars,
            encoder,
            device: device.clone(),
        })
    }

    /// The device its weights are on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The autoencoder's configuration (input size, filters, kernel, pooling).
    pub fn config(&self) -> &CaeConfig {
        &self.config
    }

    /// Deep copies of the variables' current values, with their names.
    pub fn named_tensors_copied(&self) -> Result<Vec<(String, Tensor)>> {
        self.vars
            .iter()
            .map(|(k, v)| Ok((k.clone(), v.as_tensor().copy()?)))
            .collect()
    }

    /// The painter-cae encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }
}

impl FeatureExtractor for PretrainedEncoder {
    fn latent_shape(&self) -> (usize, usize, usize) {
        self.config.latent_shape()
    }

    fn extract(&self, images: &Tensor) -> Result<Tensor> {
        Ok(self.encoder.forward(images)?)
    }

    fn vars(&self) -> Vec<Var> {
        self.vars.iter().map(|(_, v)| v.clone()).collect()
    }

    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        self.vars
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect()
    }
}
