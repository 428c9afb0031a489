//! [`Cae`]: the convolutional autoencoder, encoder and decoder together.

use crate::{init_parameters, CaeConfig, CaeError, Decoder, Encoder, EncoderOutput};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};

/// The convolutional autoencoder: `N x 3 x H x W` images in `[0, 1]` in, reconstructions of the same
/// shape out.
///
/// ```
/// use candle_core::{DType, Device, Module, Tensor};
/// use candle_nn::VarMap;
/// use painter_cae::{Cae, CaeConfig};
/// let cfg = CaeConfig { image_size: 16, filters: vec![4, 8], ..CaeConfig::compact() };
/// let vm = VarMap::new();
/// let cae = Cae::new_seeded(&cfg, &vm, 42, &Device::Cpu).unwrap();
/// let x = Tensor::rand(0f32, 1f32, (2, 3, 16, 16), &Device::Cpu).unwrap();
/// assert_eq!(cae.forward(&x).unwrap().dims(), &[2, 3, 16, 16]);
/// assert_eq!(vm.all_vars().len(), cfg.parameter_specs().len());
/// ```
#[derive(Debug, Clone)]
pub struct Cae {
    config: CaeConfig,
    encoder: Encoder,
    decoder: Decoder,
}

impl Cae {
    /// Builds the autoencoder of `cfg`, reading or creating its variables in `vb`
    /// (`encoder.conv{i}.*`, `decoder.deconv{i}.*`).
    pub fn new(cfg: &CaeConfig, vb: VarBuilder) -> Result<Self, CaeError> {
        cfg.validate()?;
        let encoder = Encoder::new(cfg, vb.clone())?;
        let decoder = Decoder::new(cfg, vb, &encoder)?;
        Ok(Self {
            config: cfg.clone(),
            encoder,
            decoder,
        })
    }

    /// Initializes the variables of `cfg` in `varmap` from `seed` ([`init_parameters`]) and builds
    /// the autoencoder on them (`f32`): the same seed gives the same model.
    pub fn new_seeded(
        cfg: &CaeConfig,
        varmap: &VarMap,
        seed: u64,
        device: &Device,
    ) -> Result<Self, CaeError> {
        init_parameters(cfg, varmap, seed, device)?;
        Self::new(cfg, VarBuilder::from_varmap(varmap, DType::F32, device))
    }

    /// The encoder.
    pub fn encoder(&self) -> &Encoder {
        &self.encoder
    }

    /// The decoder.
    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    /// The architecture.
    pub fn config(&self) -> &CaeConfig {
        &self.config
    }

    /// Encodes `x`: latent maps and switches.
    pub fn encode(&self, x: &Tensor) -> candle_core::Result<EncoderOutput> {
        self.encoder.encode(x)
    }

    /// The reconstruction clamped to `[0, 1]`, ready to be turned into pixels.
    pub fn reconstruct(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.forward(x)?.clamp(0f32, 1f32)
    }

    /// The mean squared error between the reconstruction of `input` and `target` (both
    /// `N x C x H x W`): the pretraining loss, with `input` the corrupted images and `target` the
    /// clean ones.
    pub fn mse(&self, input: &Tensor, target: &Tensor) -> candle_core::Result<Tensor> {
        let y = self.forward(input)?;
        if y.dims() != target.dims() {
            candle_core::bail!(
                "reconstruction {:?} and target {:?} differ in shape",
                y.dims(),
                target.dims()
            );
        }
        (y - target)?.sqr()?.mean_all()
    }
}

impl Module for Cae {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let enc = self.encoder.encode(x)?;
        self.decoder.decode(&enc.latent, &enc.switches)
    }
}
