//! The [`Encoder`]: convolutions, ReLUs and max-pooling with switches, usable alone (the classifier
//! starts from it) or inside the [`crate::Cae`].

use crate::{CaeConfig, CaeError, MaxPool2d, PoolSwitches};
use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};
use painter_conv::{conv2d, conv2d_relu_maxpool2d, relu, Conv2dConfig};

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

/// What the encoder produces: the latent maps and, for each pooling layer, its switches.
#[derive(Debug, Clone)]
pub struct EncoderOutput {
    /// The latent feature maps, `N x filters.last() x H_L x W_L`.
    pub latent: Tensor,
    /// The switches of each pooling, layer 1 first (the decoder consumes them from the last).
    pub switches: Vec<PoolSwitches>,
}

/// The encoder of the convolutional autoencoder.
///
/// Its variables are `encoder.conv{i}.weight` and `encoder.conv{i}.bias` (`i` from 1) under the
/// given [`VarBuilder`].
///
/// ```
/// use candle_core::{DType, Device, Module, Tensor};
/// use candle_nn::{VarBuilder, VarMap};
/// use painter_cae::{CaeConfig, Encoder};
/// let cfg = CaeConfig { image_size: 16, filters: vec![4, 8], ..CaeConfig::compact() };
/// let vm = VarMap::new();
/// let enc = Encoder::new(&cfg, VarBuilder::from_varmap(&vm, DType::F32, &Device::Cpu)).unwrap();
/// let x = Tensor::zeros((2, 3, 16, 16), DType::F32, &Device::Cpu).unwrap();
/// assert_eq!(enc.forward(&x).unwrap().dims(), &[2, 8, 4, 4]);
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

    /// Encodes `x` (`N x in_channels x H x W`): the latent maps and every pooling's switches.
    pub fn encode(&self, x: &Tensor) -> candle_core::Result<EncoderOutput> {
        let (_, c, _, _) = x.dims4()?;
        if c != self.in_channels {
            candle_core::bail!(
                "the encoder expects {} input channels, got {c}",
                self.in_channels
            );
        }
        let mut h = x.clone();
        let mut switches = Vec::with_capacity(self.convs.len());
        for conv in &self.convs {
            let (pooled, sw) = if fused_cpu(&[&h, &conv.weight, &conv.bias]) {
                // One custom op for the whole stage: the full-resolution activation never becomes
                // a tensor (same values, switches and gradients as the composition below).
                let (pooled, indices) = conv2d_relu_maxpool2d(
                    &h,
                    &conv.weight,
                    &conv.bias,
                    self.conv_cfg,
                    self.pool.kernel(),
                    self.pool.stride(),
                )?;
                let (_, _, input_h, input_w) = pooled_input_size(&h, &conv.weight, self.conv_cfg)?;
                let sw = PoolSwitches {
                    indices,
                    input_h,
                    input_w,
                };
                (pooled, sw)
            } else {
                let a = relu(&conv2d(&h, &conv.weight, Some(&conv.bias), self.conv_cfg)?)?;
                self.pool.forward_with_switches(&a)?
            };
            switches.push(sw);
            h = pooled;
        }
        Ok(EncoderOutput {
            latent: h,
            switches,
        })
    }
}

/// Whether the fused CPU stages apply: every tensor on the CPU as `f32`.
pub(crate) fn fused_cpu(ts: &[&Tensor]) -> bool {
    ts.iter()
        .all(|t| t.device().is_cpu() && t.dtype() == candle_core::DType::F32)
}

/// The shape `(N, C_out, H_out, W_out)` of a convolution's output (the pooling's input).
fn pooled_input_size(
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
        Ok(self.encode(x)?.latent)
    }
}
