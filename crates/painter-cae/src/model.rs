//! [`Cae`]: the convolutional autoencoder, encoder and decoder together.

use crate::{init_parameters, CaeConfig, CaeError, Decoder, Encoder, Latent};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};
use painter_data::ImageBatch;

/// The convolutional autoencoder: an [`ImageBatch`] in, reconstructions of the same shape out.
/// [`Module::forward`] does the same on a bare tensor, for composition.
///
/// ```
/// use candle_core::{DType, Device, Module, Tensor};
/// use candle_nn::VarMap;
/// use painter_cae::{Cae, CaeConfig};
/// use painter_data::ImageBatch;
/// let cfg = CaeConfig { image_size: 16, filters: vec![4, 8], ..CaeConfig::compact() };
/// let vm = VarMap::new();
/// let cae = Cae::new_seeded(&cfg, &vm, 42, &Device::Cpu).unwrap();
/// let x = Tensor::rand(0f32, 1f32, (2, 3, 16, 16), &Device::Cpu).unwrap();
/// assert_eq!(cae.forward(&x).unwrap().dims(), &[2, 3, 16, 16]);
/// let batch = ImageBatch::new(x, None).unwrap();
/// assert_eq!(cae.reconstruct(&batch).unwrap().dims(), &[2, 3, 16, 16]);
/// assert_eq!(cae.mse(&batch, &batch).unwrap().dims(), &[] as &[usize]);
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

    /// Encodes a batch: latent maps and switches.
    pub fn encode(&self, images: &ImageBatch) -> Result<Latent, CaeError> {
        self.encoder.encode(images)
    }

    /// The reconstruction of `images` clamped to `[0, 1]`, ready to be turned into pixels.
    pub fn reconstruct(&self, images: &ImageBatch) -> Result<Tensor, CaeError> {
        Ok(self.forward(images.images())?.clamp(0f32, 1f32)?)
    }

    /// The mean squared error between the reconstruction of `input` and `target`: the pretraining
    /// loss, with `input` the corrupted images and `target` the clean ones (of the same shape).
    pub fn mse(&self, input: &ImageBatch, target: &ImageBatch) -> Result<Tensor, CaeError> {
        let (x, t) = (input.images(), target.images());
        if x.dims() != t.dims() {
            return Err(CaeError::Input(format!(
                "input {:?} and target {:?} differ in shape",
                x.dims(),
                t.dims()
            )));
        }
        Ok((self.forward(x)? - t)?.sqr()?.mean_all()?)
    }
}

impl Module for Cae {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let latent = self.encoder.latent(x)?;
        self.decoder
            .bind(&latent.switches)
            .map_err(candle_core::Error::wrap)?
            .forward(&latent.maps)
    }
}
