//! The [`Decoder`]: max-unpooling (or nearest upsampling) and transposed convolutions, mirroring the
//! encoder from its deepest layer back to the image.

use crate::encoder::default_init;
use crate::encoder::fused_cpu;
use crate::{
    max_unpool2d, CaeConfig, CaeError, DecoderWeights, Encoder, OutputActivation, PoolSwitches,
    Upsampling,
};
use candle_core::Tensor;
use candle_nn::VarBuilder;
use painter_conv::{conv_transpose2d, maxunpool2d_conv_transpose2d, relu, ConvTranspose2dConfig};

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

    fn upsample(&self, x: &Tensor, sw: &PoolSwitches) -> candle_core::Result<Tensor> {
        match self.upsampling {
            Upsampling::MaxUnpool => max_unpool2d(x, &sw.indices, sw.input_h, sw.input_w),
            Upsampling::Nearest => {
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

    /// Reconstructs from `latent` and the encoder's `switches` (layer 1 first).
    pub fn decode(
        &self,
        latent: &Tensor,
        switches: &[PoolSwitches],
    ) -> candle_core::Result<Tensor> {
        if switches.len() != self.layers.len() {
            candle_core::bail!(
                "the decoder has {} layers but got {} pooling switches",
                self.layers.len(),
                switches.len()
            );
        }
        let mut h = latent.clone();
        // Whether `h` still owes the ReLU of the stage before (the fused path applies it inside
        // the next stage's op instead of as a node of its own).
        let mut relu_pending = false;
        for (i, (layer, sw)) in self.layers.iter().zip(switches).enumerate().rev() {
            let fused = self.upsampling == Upsampling::MaxUnpool
                && fused_cpu(&[&h, &layer.weight, &layer.bias])
                && sw.indices.device().is_cpu();
            if fused {
                h = maxunpool2d_conv_transpose2d(
                    &h,
                    &sw.indices,
                    (sw.input_h, sw.input_w),
                    relu_pending,
                    &layer.weight,
                    &layer.bias,
                    self.deconv_cfg,
                )?;
            } else {
                if relu_pending {
                    h = relu(&h)?;
                }
                let up = self.upsample(&h, sw)?;
                h = conv_transpose2d(&up, &layer.weight, Some(&layer.bias), self.deconv_cfg)?;
            }
            relu_pending = i > 0;
        }
        match self.output {
            OutputActivation::Identity => Ok(h),
            OutputActivation::Sigmoid => candle_nn::ops::sigmoid(&h),
        }
    }
}
