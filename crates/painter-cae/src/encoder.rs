//! The [`Encoder`]: convolutions, ReLUs and max-pooling with switches, usable alone (the classifier
//! starts from it) or inside the [`crate::Cae`]. It gives the [`Latent`] (maps and switches) the
//! decoder takes, and, for the classifier's statistics, every stage's activation
//! ([`Encoder::encode_stages`]).

use crate::{CaeConfig, CaeError, MaxPool2d, PoolSwitches};
use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};
use painter_conv::{conv2d_leaky_relu, conv2d_relu_maxpool2d, is_cpu_f32, Conv2dConfig};
use painter_data::ImageBatch;

/// The default initialization of a parameter with fan-in `fan_in` (PyTorch's for convolutions).
pub(crate) fn default_init(fan_in: usize) -> Init {
    let bound = 1.0 / (fan_in.max(1) as f64).sqrt();
    Init::Uniform {
        lo: -bound,
        up: bound,
    }
}

/// One convolution of the encoder: weight `C_out x C_in x K x K` and bias `C_out`.
#[derive(Debug, Clone)]
pub struct ConvLayer {
    /// The kernel.
    pub weight: Tensor,
    /// The bias.
    pub bias: Tensor,
}

/// What the encoder gives the decoder: the latent maps and, for each pooling, its switches.
#[derive(Debug, Clone)]
pub struct Latent {
    /// The latent feature maps, `N x filters.last() x H_L x W_L`.
    pub maps: Tensor,
    /// The switches of each pooling, layer 1 first (the decoder consumes them from the last).
    pub switches: Vec<PoolSwitches>,
}

/// The nonlinearity an encoder's stages are read through: the ReLU the encoder was trained with,
/// or a leaky ReLU `max(x, negative_slope * x)` in its place (the weights unchanged), which also
/// shows the negative filter responses, scaled down.
///
/// ```
/// use painter_cae::StageActivation;
/// assert_eq!(StageActivation::RELU.negative_slope(), 0.0);
/// assert_eq!(StageActivation::leaky_relu(0.1).unwrap().negative_slope(), 0.1);
/// assert!(StageActivation::leaky_relu(1.5).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StageActivation {
    negative_slope: f64,
}

impl StageActivation {
    /// The ReLU, as the encoder was trained.
    pub const RELU: Self = Self {
        negative_slope: 0.0,
    };

    /// The leaky ReLU `max(x, negative_slope * x)`; the slope must lie in `[0, 1]` (where the
    /// maximum is the leaky ReLU), `0` being the ReLU.
    pub fn leaky_relu(negative_slope: f64) -> Result<Self, CaeError> {
        if !(0.0..=1.0).contains(&negative_slope) {
            return Err(CaeError::InvalidConfig(format!(
                "the negative slope of the stages' activation must be in [0, 1], got {negative_slope}"
            )));
        }
        Ok(Self { negative_slope })
    }

    /// The slope of the negative part: `0` for the ReLU.
    pub fn negative_slope(&self) -> f64 {
        self.negative_slope
    }
}

/// Every stage of the encoder as [`Encoder::encode_stages`] reads it.
#[derive(Debug, Clone)]
pub struct EncoderStages {
    /// For each stage, layer 1 first, its activation after the nonlinearity and before the
    /// pooling: `N x filters[i] x H_i x W_i`.
    pub activations: Vec<Tensor>,
    /// The latent maps after the last pooling, with every pooling's switches.
    pub latent: Latent,
}

/// The encoder of the convolutional autoencoder.
///
/// Its variables are `encoder.conv{i}.weight` and `encoder.conv{i}.bias` (`i` from 1) under the
/// given [`VarBuilder`]. [`Encoder::encode`] takes an [`ImageBatch`]; [`Module::forward`] (the
/// latent maps of any `N x in_channels x H x W` tensor) and [`Encoder::encode_stages`] take bare
/// tensors, for composition.
///
/// ```
/// use candle_core::{DType, Device, Module, Tensor};
/// use candle_nn::{VarBuilder, VarMap};
/// use painter_cae::{CaeConfig, Encoder, StageActivation};
/// use painter_data::ImageBatch;
/// let cfg = CaeConfig { image_size: 16, filters: vec![4, 8], ..CaeConfig::compact() };
/// let vm = VarMap::new();
/// let enc = Encoder::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
/// let x = Tensor::zeros((2, 3, 16, 16), DType::F32, &Device::Cpu).unwrap();
/// assert_eq!(enc.forward(&x).unwrap().dims(), &[2, 8, 4, 4]);
/// let latent = enc.encode(&ImageBatch::new(x.clone(), None).unwrap()).unwrap();
/// assert_eq!(latent.switches.len(), 2);
/// let stages = enc.encode_stages(&x, StageActivation::RELU).unwrap();
/// assert_eq!(stages.activations[1].dims(), &[2, 8, 8, 8]);
/// ```
#[derive(Debug, Clone)]
pub struct Encoder {
    convs: Vec<ConvLayer>,
    pool: MaxPool2d,
    conv_cfg: Conv2dConfig,
    in_channels: usize,
}

impl Encoder {
    /// Builds the encoder of `cfg`, reading or creating its variables in `vb`.
    pub fn new(cfg: &CaeConfig, vb: VarBuilder) -> Result<Self, CaeError> {
        cfg.validate()?;
        let vb = vb.pp("encoder");
        let k = cfg.kernel_size;
        let mut convs = Vec::with_capacity(cfg.depth());
        for (i, &f) in cfg.filters.iter().enumerate() {
            let cin = cfg.layer_in_channels(i);
            let init = default_init(cin * k * k);
            let layer = vb.pp(format!("conv{}", i + 1));
            convs.push(ConvLayer {
                weight: layer.get_with_hints((f, cin, k, k), "weight", init)?,
                bias: layer.get_with_hints(f, "bias", init)?,
            });
        }
        Ok(Self {
            convs,
            pool: MaxPool2d::new(cfg.pool, cfg.pool),
            conv_cfg: Conv2dConfig {
                stride: 1,
                padding: cfg.padding(),
            },
            in_channels: cfg.in_channels,
        })
    }

    /// The convolution layers, layer 1 first.
    pub fn layers(&self) -> &[ConvLayer] {
        &self.convs
    }

    /// The pooling layer shared by every stage.
    pub fn pool(&self) -> MaxPool2d {
        self.pool
    }

    /// Encodes a batch of images: the latent maps and every pooling's switches.
    pub fn encode(&self, images: &ImageBatch) -> Result<Latent, CaeError> {
        self.check_input(images.images())?;
        Ok(self.latent(images.images())?)
    }

    /// Every stage of `x` (`N x in_channels x H x W`, any size the poolings fit): the activation
    /// of each convolution through `activation` (before its pooling), and the latent after the
    /// last pooling, which pools those activations.
    pub fn encode_stages(
        &self,
        x: &Tensor,
        activation: StageActivation,
    ) -> Result<EncoderStages, CaeError> {
        self.check_input(x)?;
        let mut h = x.clone();
        let mut activations = Vec::with_capacity(self.convs.len());
        let mut switches = Vec::with_capacity(self.convs.len());
        let slope = activation.negative_slope;
        for conv in &self.convs {
            let a = conv2d_leaky_relu(&h, &conv.weight, Some(&conv.bias), self.conv_cfg, slope)?;
            let (pooled, sw) = self.pool.forward_with_switches(&a)?;
            activations.push(a);
            switches.push(sw);
            h = pooled;
        }
        Ok(EncoderStages {
            activations,
            latent: Latent { maps: h, switches },
        })
    }

    /// Refuses an input that is not `N x in_channels x H x W`.
    fn check_input(&self, x: &Tensor) -> Result<(), CaeError> {
        match x.dims() {
            [_, c, _, _] if *c == self.in_channels => Ok(()),
            dims => Err(CaeError::Input(format!(
                "the encoder takes N x {} x H x W images, got shape {dims:?}",
                self.in_channels
            ))),
        }
    }

    /// The latent of `x` through the ReLUs as trained: on the CPU in `f32`, each stage is one fused
    /// custom op whose full-resolution activation never becomes a tensor (same values, switches
    /// and gradients as [`Encoder::encode_stages`], which runs elsewhere).
    pub(crate) fn latent(&self, x: &Tensor) -> candle_core::Result<Latent> {
        let weights = self.convs.iter().flat_map(|c| [&c.weight, &c.bias]);
        if !is_cpu_f32(&std::iter::once(x).chain(weights).collect::<Vec<_>>()) {
            let stages = self
                .encode_stages(x, StageActivation::RELU)
                .map_err(candle_core::Error::wrap)?;
            return Ok(stages.latent);
        }
        self.check_input(x).map_err(candle_core::Error::wrap)?;
        let mut h = x.clone();
        let mut switches = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            let (pooled, indices) = conv2d_relu_maxpool2d(
                &h,
                &conv.weight,
                &conv.bias,
                self.conv_cfg,
                self.pool.kernel(),
                self.pool.stride(),
            )?;
            let (_, _, input_h, input_w) = conv_output_size(&h, &conv.weight, self.conv_cfg)?;
            switches.push(PoolSwitches {
                indices,
                input_h,
                input_w,
            });
            h = pooled;
        }
        Ok(Latent { maps: h, switches })
    }
}

/// The shape `(N, C_out, H_out, W_out)` of a convolution's output (the pooling's input).
fn conv_output_size(
    x: &Tensor,
    w: &Tensor,
    cfg: Conv2dConfig,
) -> candle_core::Result<(usize, usize, usize, usize)> {
    let (n, _, h, wd) = x.dims4()?;
    let (c_out, _, k, _) = w.dims4()?;
    let out = |len: usize| -> candle_core::Result<usize> {
        let padded = len + 2 * cfg.padding;
        if cfg.stride == 0 || padded < k {
            candle_core::bail!("a {k}x{k} kernel does not fit a padded side of {padded}");
        }
        Ok((padded - k) / cfg.stride + 1)
    };
    Ok((n, c_out, out(h)?, out(wd)?))
}

impl Module for Encoder {
    /// The latent maps only.
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        Ok(self.latent(x)?.maps)
    }
}
