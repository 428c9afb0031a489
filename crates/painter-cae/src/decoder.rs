//! The [`Decoder`]: max-unpooling (or nearest upsampling) and transposed convolutions, mirroring the
//! encoder from its deepest layer back to the image. Bound to the switches of a [`Latent`]
//! ([`Decoder::bind`]), it is a [`Module`] from latent maps to reconstructions.

use crate::encoder::default_init;
use crate::{
    CaeConfig, CaeError, DecoderWeights, Encoder, Latent, MaxUnpool2d, OutputActivation,
    PoolSwitches, Upsampling,
};
use candle_core::{Module, Tensor};
use candle_nn::VarBuilder;
use painter_conv::{
    conv_transpose2d, is_cpu_f32, maxunpool2d_conv_transpose2d, relu, ConvTranspose2dConfig,
};

/// One transposed convolution of the decoder: weight `C_in x C_out x K x K` (the shape of the
/// encoder convolution it mirrors) and bias `C_out`.
#[derive(Debug, Clone)]
pub struct DeconvLayer {
    /// The kernel: the decoder's own, or the encoder's when weights are tied.
    pub weight: Tensor,
    /// The bias (always the decoder's own).
    pub bias: Tensor,
}

/// The decoder of the convolutional autoencoder.
///
/// Its variables are `decoder.deconv{i}.weight` (learned weights only) and `decoder.deconv{i}.bias`,
/// where layer `i` mirrors the encoder's `conv{i}`.
#[derive(Debug, Clone)]
pub struct Decoder {
    /// Layer 1 first (applied last).
    layers: Vec<DeconvLayer>,
    upsampling: Upsampling,
    output: OutputActivation,
    pool: usize,
    deconv_cfg: ConvTranspose2dConfig,
}

impl Decoder {
    /// Builds the decoder of `cfg`, reading or creating its variables in `vb`; with tied weights
    /// it shares `encoder`'s convolution kernels.
    pub fn new(cfg: &CaeConfig, vb: VarBuilder, encoder: &Encoder) -> Result<Self, CaeError> {
        cfg.validate()?;
        if encoder.layers().len() != cfg.depth() {
            return Err(CaeError::InvalidConfig(format!(
                "the encoder has {} layers, the configuration {}",
                encoder.layers().len(),
                cfg.depth()
            )));
        }
        let vb = vb.pp("decoder");
        let k = cfg.kernel_size;
        let mut layers = Vec::with_capacity(cfg.depth());
        for (i, (&f, enc)) in cfg.filters.iter().zip(encoder.layers()).enumerate() {
            let cout = cfg.layer_in_channels(i);
            let init = default_init(cout * k * k);
            let layer = vb.pp(format!("deconv{}", i + 1));
            let weight = match cfg.decoder_weights {
                DecoderWeights::Learned => layer.get_with_hints((f, cout, k, k), "weight", init)?,
                DecoderWeights::Tied => enc.weight.clone(),
            };
            let bias = layer.get_with_hints(cout, "bias", init)?;
            layers.push(DeconvLayer { weight, bias });
        }
        Ok(Self {
            layers,
            upsampling: cfg.upsampling,
            output: cfg.output,
            pool: cfg.pool,
            deconv_cfg: ConvTranspose2dConfig {
                stride: 1,
                padding: cfg.padding(),
                output_padding: 0,
            },
        })
    }

    /// The transposed convolutions, layer 1 (the last applied) first.
    pub fn layers(&self) -> &[DeconvLayer] {
        &self.layers
    }

    /// The decoder bound to the switches of one batch (layer 1 first, as the encoder recorded
    /// them): a [`Module`] from that batch's latent maps to its reconstructions.
    pub fn bind(&self, switches: &[PoolSwitches]) -> Result<BoundDecoder<'_>, CaeError> {
        if switches.len() != self.layers.len() {
            return Err(CaeError::Input(format!(
                "the decoder has {} layers but got {} pooling switches",
                self.layers.len(),
                switches.len()
            )));
        }
        Ok(BoundDecoder {
            decoder: self,
            unpools: switches.iter().cloned().map(MaxUnpool2d::new).collect(),
        })
    }

    /// Reconstructs the images of `latent` (`N x C x H x W` at the encoder's input size).
    pub fn decode(&self, latent: &Latent) -> Result<Tensor, CaeError> {
        Ok(self.bind(&latent.switches)?.forward(&latent.maps)?)
    }

    /// Undoes the pooling of `unpool`'s switches on `x`, by max-unpooling or nearest upsampling.
    fn upsample(&self, x: &Tensor, unpool: &MaxUnpool2d) -> candle_core::Result<Tensor> {
        match self.upsampling {
            Upsampling::MaxUnpool => unpool.forward(x),
            Upsampling::Nearest => {
                let sw = unpool.switches();
                let (_, _, h, w) = x.dims4()?;
                let (uh, uw) = (h * self.pool, w * self.pool);
                if uh > sw.input_h || uw > sw.input_w {
                    candle_core::bail!(
                        "cannot upsample {h}x{w} by {} into {}x{}",
                        self.pool,
                        sw.input_h,
                        sw.input_w
                    );
                }
                // Integer factor (so it has a gradient), then zero rows/columns where pooling
                // floored an odd size away.
                x.upsample_nearest2d(uh, uw)?
                    .pad_with_zeros(2, 0, sw.input_h - uh)?
                    .pad_with_zeros(3, 0, sw.input_w - uw)
            }
        }
    }
}

/// A [`Decoder`] bound to the switches of one batch ([`Decoder::bind`]): each stage unpools with
/// its own [`MaxUnpool2d`], so the whole is a [`Module`] from latent maps to reconstructions.
#[derive(Debug, Clone)]
pub struct BoundDecoder<'a> {
    decoder: &'a Decoder,
    /// Layer 1 first, like the decoder's layers.
    unpools: Vec<MaxUnpool2d>,
}

impl Module for BoundDecoder<'_> {
    fn forward(&self, maps: &Tensor) -> candle_core::Result<Tensor> {
        let d = self.decoder;
        let mut h = maps.clone();
        // Whether `h` still owes the ReLU of the stage before (the fused path applies it inside
        // the next stage's op instead of as a node of its own).
        let mut relu_pending = false;
        for (i, (layer, unpool)) in d.layers.iter().zip(&self.unpools).enumerate().rev() {
            let sw = unpool.switches();
            let fused = d.upsampling == Upsampling::MaxUnpool
                && is_cpu_f32(&[&h, &layer.weight, &layer.bias])
                && sw.indices.device().is_cpu();
            if fused {
                h = maxunpool2d_conv_transpose2d(
                    &h,
                    &sw.indices,
                    (sw.input_h, sw.input_w),
                    relu_pending,
                    &layer.weight,
                    &layer.bias,
                    d.deconv_cfg,
                )?;
            } else {
                if relu_pending {
                    h = relu(&h)?;
                }
                let up = d.upsample(&h, unpool)?;
                h = conv_transpose2d(&up, &layer.weight, Some(&layer.bias), d.deconv_cfg)?;
            }
            relu_pending = i > 0;
        }
        match d.output {
            OutputActivation::Identity => Ok(h),
            OutputActivation::Sigmoid => candle_nn::ops::sigmoid(&h),
        }
    }
}
