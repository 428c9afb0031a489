//! [`ChannelStatistics`]: texture statistics of a pretrained encoder's feature maps, as a
//! [`FeatureExtractor`] whose "latent maps" are one value per statistic (`D x 1 x 1`).
//!
//! For every stage of the encoder (convolution + ReLU, before its pooling) and for the latent maps
//! (after the last pooling), the mean and the standard deviation of every channel over all pixels.
//! These are first- and second-order texture statistics (the diagonal of a Gram matrix, centred)
//! of the kind style-transfer and texture-synthesis work use to describe a painter's touch; they
//! do not depend on where in the picture a stroke is, nor on the image size, so the encoder (pretrained at
//! one size) can describe paintings standardized at a larger size, closer to their brush strokes.
//!
//! The encoder was trained with ReLUs, which discard every negative filter response: a channel
//! whose responses are all negative (a "dead" channel) then describes nothing. With a
//! [negative slope](ChannelStatistics::with_negative_slope) the statistics read the encoder through
//! a leaky ReLU instead, `max(x, slope * x)`, so they also see (scaled down) the negative responses
//! of every channel, dead ones included. The weights stay as trained.
//!
//! The statistics can also [read several encoders](ChannelStatistics::with_encoder) (pretrained
//! from different seeds or crops, say) and concatenate what they see: an ensemble of
//! autoencoders, whose filters differ, describes a painting more fully than any one of them.
//!
//! Finally, the statistics can [read each image at several scales](ChannelStatistics::with_scales):
//! at scale `s` the encoders see the image averaged over `s x s` blocks, so their filters, which
//! span a fixed number of pixels, respond to strokes `s` times as large.

use crate::encoder::PretrainedEncoder;
use crate::error::{ClassifyError, Result};
use crate::extractor::FeatureExtractor;
use candle_core::{Tensor, Var};
use painter_cae::StageActivation;

/// Per-channel mean and standard deviation of every encoder stage's activations and of the latent
/// maps.
///
/// ```
/// use candle_core::{Device, Tensor};
/// use painter_cae::CaeConfig;
/// use painter_classify::{ChannelStatistics, FeatureExtractor, PretrainedEncoder};
///
/// let cae = CaeConfig::tiny(32);
/// let stats = ChannelStatistics::new(PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap());
/// // (4 + 8) stage channels and 8 latent channels, mean and std of each.
/// assert_eq!(stats.dim(), 2 * (4 + 8 + 8));
/// // Any even image size works: the statistics do not depend on it.
/// let images = Tensor::rand(0f32, 1f32, (2, 3, 64, 64), &Device::Cpu).unwrap();
/// assert_eq!(stats.extract(&images).unwrap().dims(), &[2, 40, 1, 1]);
/// ```
#[derive(Debug, Clone)]
pub struct ChannelStatistics {
    /// Never empty: the first is the one given to [`ChannelStatistics::new`].
    encoders: Vec<PretrainedEncoder>,
    activation: StageActivation,
    /// Never empty, distinct, each at least 1; `[1]` unless set.
    scales: Vec<usize>,
}

/// The largest scale [`ChannelStatistics::with_scales`] accepts.
pub const MAX_STATISTICS_SCALE: usize = 16;

/// Whether [`ChannelStatistics::with_scales`] accepts `scales`: at least one, distinct, each from
/// 1 to [`MAX_STATISTICS_SCALE`].
///
/// ```
/// use painter_classify::are_valid_scales;
///
/// assert!(are_valid_scales(&[1, 2]));
/// assert!(!are_valid_scales(&[]) && !are_valid_scales(&[0]) && !are_valid_scales(&[2, 2]));
/// ```
pub fn are_valid_scales(scales: &[usize]) -> bool {
    !scales.is_empty()
        && scales
            .iter()
            .enumerate()
            .all(|(i, s)| (1..=MAX_STATISTICS_SCALE).contains(s) && !scales[..i].contains(s))
}

impl ChannelStatistics {
    /// The statistics of `encoder`'s feature maps, through its ReLUs as trained.
    pub fn new(encoder: PretrainedEncoder) -> Self {
        Self {
            encoders: vec![encoder],
            activation: StageActivation::RELU,
            scales: vec![1],
        }
    }

    /// Adds another encoder: the statistics become those of every encoder, concatenated in the
    /// order the encoders were given (each read through the same activation). The encoders may
    /// differ in filters, kernels and poolings, but must take the same input channels.
    ///
    /// ```
    /// use candle_core::{Device, Tensor};
    /// use painter_cae::CaeConfig;
    /// use painter_classify::{ChannelStatistics, PretrainedEncoder};
    ///
    /// let cae = CaeConfig::tiny(32);
    /// let first = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
    /// let second = PretrainedEncoder::seeded(&cae, 1, &Device::Cpu).unwrap();
    /// let both = ChannelStatistics::new(first.clone()).with_encoder(second).unwrap();
    /// assert_eq!(both.encoders().len(), 2);
    /// assert_eq!(both.dim(), 2 * ChannelStatistics::new(first).dim());
    /// assert_eq!(both.names()[0], "encoder1.conv1.mean.0");
    /// let images = Tensor::rand(0f32, 1f32, (2, 3, 32, 32), &Device::Cpu).unwrap();
    /// assert_eq!(both.compute(&images).unwrap().dims(), &[2, 80]);
    /// ```
    pub fn with_encoder(mut self, encoder: PretrainedEncoder) -> Result<Self> {
        let want = self.encoders[0].config().in_channels;
        let got = encoder.config().in_channels;
        if got != want {
            return Err(ClassifyError::PartsDisagree(format!(
                "every encoder of the statistics must take the same channels: the first takes {want}, encoder {} takes {got}",
                self.encoders.len() + 1
            )));
        }
        self.encoders.push(encoder);
        Ok(self)
    }

    /// The same statistics read through a leaky ReLU `max(x, slope * x)` in place of every ReLU
    /// of the encoder (its weights unchanged): `0` is the ReLU, `1` reads the raw filter
    /// responses. A slope outside `[0, 1]` is an error.
    ///
    /// ```
    /// use candle_core::Device;
    /// use painter_cae::CaeConfig;
    /// use painter_classify::{ChannelStatistics, PretrainedEncoder};
    ///
    /// let cae = CaeConfig::tiny(32);
    /// let encoder = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
    /// let stats = ChannelStatistics::new(encoder.clone()).with_negative_slope(0.1).unwrap();
    /// assert_eq!(stats.negative_slope(), 0.1);
    /// assert!(ChannelStatistics::new(encoder).with_negative_slope(-0.5).is_err());
    /// ```
    pub fn with_negative_slope(mut self, slope: f64) -> Result<Self> {
        self.activation = StageActivation::leaky_relu(slope)?;
        Ok(self)
    }

    /// The same statistics computed at each of `scales`, concatenated in that order: at scale
    /// `s` the encoders read the image averaged over non-overlapping `s x s` blocks (the last
    /// rows and columns that do not fill a block are dropped), so their filters see the
    /// painting's strokes `s` times as coarse; scale `1` is the image as it is. The scales must be
    /// distinct, between 1 and [`MAX_STATISTICS_SCALE`], and at least one.
    ///
    /// ```
    /// use candle_core::{Device, Tensor};
    /// use painter_cae::CaeConfig;
    /// use painter_classify::{ChannelStatistics, PretrainedEncoder};
    ///
    /// let cae = CaeConfig::tiny(32);
    /// let encoder = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
    /// let two = ChannelStatistics::new(encoder.clone()).with_scales(vec![1, 2]).unwrap();
    /// assert_eq!(two.dim(), 2 * ChannelStatistics::new(encoder.clone()).dim());
    /// assert_eq!(two.names()[two.dim() / 2], "scale2.conv1.mean.0");
    /// // Two poolings at half resolution: the images need sides of 8 px.
    /// assert_eq!(two.smallest_side(), 8);
    /// let images = Tensor::rand(0f32, 1f32, (2, 3, 32, 32), &Device::Cpu).unwrap();
    /// assert_eq!(two.compute(&images).unwrap().dims(), &[2, 80]);
    /// assert!(ChannelStatistics::new(encoder).with_scales(vec![2, 2]).is_err());
    /// ```
    pub fn with_scales(mut self, scales: Vec<usize>) -> Result<Self> {
        if !are_valid_scales(&scales) {
            return Err(ClassifyError::InvalidConfig(format!(
                "the scales of the statistics must be one or more distinct integers from 1 to {MAX_STATISTICS_SCALE}, got {scales:?}"
            )));
        }
        self.scales = scales;
        Ok(self)
    }

    /// The scales the statistics read the images at, in order: `[1]` unless
    /// [set](ChannelStatistics::with_scales).
    pub fn scales(&self) -> &[usize] {
        &self.scales
    }

    /// The slope of the activation's negative part: `0` for the encoder's ReLU.
    pub fn negative_slope(&self) -> f64 {
        self.activation.negative_slope()
    }

    /// The first (or only) encoder.
    pub fn encoder(&self) -> &PretrainedEncoder {
        &self.encoders[0]
    }

    /// Every encoder, in the order their statistics are concatenated.
    pub fn encoders(&self) -> &[PretrainedEncoder] {
        &self.encoders
    }

    /// The smallest image side every encoder can read at every scale: the product of its
    /// poolings, times the largest scale.
    pub fn smallest_side(&self) -> usize {
        let largest = self.scales.iter().copied().max().unwrap_or(1);
        self.encoders
            .iter()
            .map(|e| {
                let cfg = e.config();
                cfg.pool.saturating_pow(cfg.depth() as u32)
            })
            .max()
            .unwrap_or(1)
            .saturating_mul(largest)
    }

    /// The number of statistics per image: for each scale and each encoder, `2 * (sum of the
    /// stages' filters + the last stage's filters)`.
    pub fn dim(&self) -> usize {
        self.scales.len()
            * self
                .encoders
                .iter()
                .map(|e| {
                    let filters = &e.config().filters;
                    2 * (filters.iter().sum::<usize>() + filters.last().copied().unwrap_or(0))
                })
                .sum::<usize>()
    }

    /// The names of the statistics, in order (`conv1.mean.0`, ..., `latent.std.63`); with several
    /// encoders, each name starts with its encoder (`encoder1.conv1.mean.0`, ...,
    /// `encoder2.latent.std.63`), and with several scales, with its scale
    /// (`scale1.encoder1.conv1.mean.0`, ..., `scale2.latent.std.63`).
    pub fn names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.dim());
        let several = self.encoders.len() > 1;
        let scaled = self.scales.len() > 1;
        for (&scale, (k, encoder)) in self
            .scales
            .iter()
            .flat_map(|s| std::iter::repeat(s).zip(self.encoders.iter().enumerate()))
        {
            let mut prefix = if scaled {
                format!("scale{scale}.")
            } else {
                String::new()
            };
            if several {
                prefix.push_str(&format!("encoder{}.", k + 1));
            }
            let filters = &encoder.config().filters;
            let mut block = |stage: String, c: usize| {
                for stat in ["mean", "std"] {
                    names.extend((0..c).map(|i| format!("{prefix}{stage}.{stat}.{i}")));
                }
            };
            for (i, &f) in filters.iter().enumerate() {
                block(format!("conv{}", i + 1), f);
            }
            block("latent".into(), filters.last().copied().unwrap_or(0));
        }
        names
    }

    /// The statistics of a batch `N x 3 x H x W` (pixels as the encoders were trained on), `N x D`.
    pub fn compute(&self, images: &Tensor) -> Result<Tensor> {
        // One job on rayon's pool: the parallel kernels of the encoders (convolutions with their
        // activation, poolings) then start from a worker thread, instead of each handing its work
        // over from the caller's thread and waiting for a worker to be scheduled, which on a busy
        // machine cost milliseconds per kernel (see `examples/bench_statistics.rs`).
        rayon::scope(|_| self.compute_all(images))
    }

    /// [`ChannelStatistics::compute`] on the current thread.
    fn compute_all(&self, images: &Tensor) -> Result<Tensor> {
        let mut parts = Vec::with_capacity(self.scales.len() * self.encoders.len());
        for &scale in &self.scales {
            let scaled = if scale == 1 {
                images.clone()
            } else {
                let (_, _, h, w) = images.dims4()?;
                if h < scale || w < scale {
                    return Err(ClassifyError::ImageTooSmall {
                        height: h,
                        width: w,
                        needed: format!("to read at scale {scale}"),
                    });
                }
                images.avg_pool2d(scale)?
            };
            for encoder in &self.encoders {
                parts.push(self.compute_one(encoder, &scaled)?);
            }
        }
        if parts.len() == 1 {
            return Ok(parts.remove(0));
        }
        Ok(Tensor::cat(&parts, 1)?)
    }

    /// The statistics of one encoder, from the activations of its stages (which it checks against
    /// its input channels).
    fn compute_one(&self, encoder: &PretrainedEncoder, images: &Tensor) -> Result<Tensor> {
        let (_, _, h, w) = images.dims4()?;
        let cfg = encoder.config();
        let shrink = cfg.pool.pow(cfg.depth() as u32);
        if h < shrink || w < shrink {
            return Err(ClassifyError::ImageTooSmall {
                height: h,
                width: w,
                needed: format!("for {} poolings of {}", cfg.depth(), cfg.pool),
            });
        }
        let stages = encoder.encoder().encode_stages(images, self.activation)?;
        let mut parts = Vec::with_capacity(2 * (stages.activations.len() + 1));
        for a in stages.activations.iter().chain([&stages.latent.maps]) {
            push_mean_std(a, &mut parts)?;
        }
        Ok(Tensor::cat(&parts, 1)?)
    }
}

/// Appends the per-channel mean and population standard deviation of `a` (`N x C x H x W`).
fn push_mean_std(a: &Tensor, parts: &mut Vec<Tensor>) -> Result<()> {
    let (mean, std) = painter_conv::channel_mean_std(a)?;
    parts.push(mean);
    parts.push(std);
    Ok(())
}

impl FeatureExtractor for ChannelStatistics {
    fn latent_shape(&self) -> (usize, usize, usize) {
        (self.dim(), 1, 1)
    }

    fn extract(&self, images: &Tensor) -> Result<Tensor> {
        let s = self.compute(images)?;
        let (n, d) = s.dims2()?;
        Ok(s.reshape((n, d, 1, 1))?)
    }

    fn vars(&self) -> Vec<Var> {
        self.encoders.iter().flat_map(|e| e.vars()).collect()
    }

    /// The first encoder's tensors under their own names, those of encoder `k >= 2` prefixed
    /// with `ensemble{k}.`.
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut out = self.encoders[0].named_tensors();
        for (k, e) in self.encoders.iter().enumerate().skip(1) {
            out.extend(
                e.named_tensors()
                    .into_iter()
                    .map(|(n, t)| (format!("ensemble{}.{n}", k + 1), t)),
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;
    use painter_cae::CaeConfig;

    /// A two-stage CAE of 3 and 5 filters of 3x3, small enough for the naive reference.
    fn small_cae() -> CaeConfig {
        CaeConfig {
            image_size: 16,
            filters: vec![3, 5],
            kernel_size: 3,
            ..CaeConfig::compact()
        }
    }

    /// Asserts that images of `(height, width)` are refused as too small, not silently read.
    fn assert_too_small(stats: &ChannelStatistics, (h, w): (usize, usize)) {
        let tiny = Tensor::rand(0f32, 1f32, (1, 3, h, w), &Device::Cpu).unwrap();
        let result = stats.compute(&tiny);
        assert!(
            matches!(result, Err(ClassifyError::ImageTooSmall { .. })),
            "{result:?}"
        );
    }

    /// Every statistic of `x`, flattened.
    fn flat(stats: &ChannelStatistics, x: &Tensor) -> Vec<f32> {
        let values = stats.compute(x).unwrap();
        values.flatten_all().unwrap().to_vec1::<f32>().unwrap()
    }

    /// A naive f64 reference: direct convolution, (leaky) ReLU with `slope`, statistics, 2x2
    /// max-pooling.
    fn naive(
        x: &[f32],
        (h, w): (usize, usize),
        layers: &[(Vec<f32>, Vec<f32>, usize, usize)],
        k: usize,
        slope: f64,
    ) -> Vec<f64> {
        let mut cur: Vec<f64> = x.iter().map(|&v| v as f64).collect();
        let (mut ch, mut hh, mut ww) = (3usize, h, w);
        let mut out = Vec::new();
        let stats = |a: &[f64], c: usize, n: usize, out: &mut Vec<f64>| {
            let means: Vec<f64> = (0..c)
                .map(|i| a[i * n..(i + 1) * n].iter().sum::<f64>() / n as f64)
                .collect();
            let stds: Vec<f64> = (0..c)
                .map(|i| {
                    (a[i * n..(i + 1) * n]
                        .iter()
                        .map(|v| (v - means[i]).powi(2))
                        .sum::<f64>()
                        / n as f64)
                        .sqrt()
                })
                .collect();
            out.extend(means);
            out.extend(stds);
        };
        let p = k / 2;
        for (wt, b, cout, cin) in layers {
            assert_eq!(*cin, ch);
            let mut a = vec![0.0; cout * hh * ww];
            for o in 0..*cout {
                for y in 0..hh {
                    for xx in 0..ww {
                        let mut s = b[o] as f64;
                        for i in 0..ch {
                            for ky in 0..k {
                                for kx in 0..k {
                                    let (sy, sx) = (y + ky, xx + kx);
                                    if sy < p || sx < p || sy - p >= hh || sx - p >= ww {
                                        continue;
                                    }
                                    s += wt[((o * ch + i) * k + ky) * k + kx] as f64
                                        * cur[(i * hh + sy - p) * ww + sx - p];
                                }
                            }
                        }
                        a[(o * hh + y) * ww + xx] = if s > 0.0 { s } else { slope * s };
                    }
                }
            }
            stats(&a, *cout, hh * ww, &mut out);
            let (ph, pw) = (hh / 2, ww / 2);
            let mut pooled = vec![0.0; cout * ph * pw];
            for o in 0..*cout {
                for y in 0..ph {
                    for xx in 0..pw {
                        let mut m = f64::NEG_INFINITY;
                        for dy in 0..2 {
                            for dx in 0..2 {
                                m = m.max(a[(o * hh + 2 * y + dy) * ww + 2 * xx + dx]);
                            }
                        }
                        pooled[(o * ph + y) * pw + xx] = m;
                    }
                }
            }
            cur = pooled;
            ch = *cout;
            hh = ph;
            ww = pw;
        }
        stats(&cur, ch, hh * ww, &mut out);
        out
    }

    /// The encoder's layers as the naive reference takes them: weights, biases, output and input
    /// channels.
    fn naive_layers(enc: &PretrainedEncoder) -> Vec<(Vec<f32>, Vec<f32>, usize, usize)> {
        enc.encoder()
            .layers()
            .iter()
            .map(|l| {
                let (o, i, _, _) = l.weight.dims4().unwrap();
                (
                    l.weight.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                    l.bias.to_vec1::<f32>().unwrap(),
                    o,
                    i,
                )
            })
            .collect()
    }

    /// Asserts that every computed statistic is within `1e-4` (relative) of the reference.
    fn assert_matches_reference(got: &[f32], want: &[f64], names: &[String], context: &str) {
        assert_eq!(got.len(), want.len(), "{context}");
        for (i, (g, r)) in got.iter().zip(want).enumerate() {
            assert!(
                (*g as f64 - r).abs() <= 1e-4 * (1.0 + r.abs()),
                "{context}, statistic {i} ({}): {g} vs {r}",
                names[i]
            );
        }
    }

    #[test]
    fn matches_a_naive_reference_at_another_size_for_every_slope() {
        let cae = small_cae();
        let enc = PretrainedEncoder::seeded(&cae, 7, &Device::Cpu).unwrap();
        let (h, w) = (12, 20);
        let x = Tensor::rand(0f32, 1f32, (1, 3, h, w), &Device::Cpu).unwrap();
        let layers = naive_layers(&enc);
        let mut by_slope = Vec::new();
        for slope in [0.0, 0.1, 1.0] {
            let stats = ChannelStatistics::new(enc.clone())
                .with_negative_slope(slope)
                .unwrap();
            let got = flat(&stats, &x);
            let want = naive(
                &x.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                (h, w),
                &layers,
                3,
                slope,
            );
            assert_eq!(got.len(), stats.dim());
            assert_eq!(stats.names().len(), stats.dim());
            assert_matches_reference(&got, &want, &stats.names(), &format!("slope {slope}"));
            by_slope.push(got);
        }
        // The slope changes what the statistics see (the seeded encoder has negative responses).
        assert_ne!(by_slope[0], by_slope[1]);
        assert_ne!(by_slope[1], by_slope[2]);
    }

    /// A naive block average of a `3 x h x w` image over `s x s` blocks, dropping the rows and
    /// columns that do not fill a block.
    fn naive_block_average(x: &[f32], (h, w): (usize, usize), s: usize) -> Vec<f32> {
        let (bh, bw) = (h / s, w / s);
        let mut out = Vec::with_capacity(3 * bh * bw);
        for c in 0..3 {
            for by in 0..bh {
                for bx in 0..bw {
                    let mut sum = 0.0f64;
                    for dy in 0..s {
                        for dx in 0..s {
                            sum += x[(c * h + by * s + dy) * w + bx * s + dx] as f64;
                        }
                    }
                    out.push((sum / (s * s) as f64) as f32);
                }
            }
        }
        out
    }

    #[test]
    fn every_scale_matches_the_naive_reference_on_block_averaged_images() {
        let cae = small_cae();
        let enc = PretrainedEncoder::seeded(&cae, 5, &Device::Cpu).unwrap();
        let layers = naive_layers(&enc);
        // Sides that scale 2 and 3 do not divide: the partial blocks are dropped.
        let (h, w) = (13, 22);
        let x = Tensor::rand(0f32, 1f32, (1, 3, h, w), &Device::Cpu).unwrap();
        let pixels = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let scales = vec![2, 1, 3];
        let stats = ChannelStatistics::new(enc.clone())
            .with_negative_slope(0.1)
            .unwrap()
            .with_scales(scales.clone())
            .unwrap();
        assert_eq!(stats.scales(), &scales[..]);
        assert_eq!(stats.smallest_side(), 12);
        let got = flat(&stats, &x);
        let mut want = Vec::new();
        for &s in &scales {
            let averaged = naive_block_average(&pixels, (h, w), s);
            want.extend(naive(&averaged, (h / s, w / s), &layers, 3, 0.1));
        }
        assert_eq!(got.len(), stats.dim());
        assert_eq!(want.len(), stats.dim());
        let names = stats.names();
        assert_eq!(names.len(), stats.dim());
        assert_eq!(names[0], "scale2.conv1.mean.0");
        assert_eq!(names[stats.dim() - 1], "scale3.latent.std.4");
        assert_matches_reference(&got, &want, &names, "scales [2, 1, 3]");
        // Images too small for the coarsest scale are refused, not silently read.
        assert_too_small(&stats, (2, 40));
    }

    #[test]
    fn scales_and_encoders_are_named_apart_and_bad_scales_refused() {
        let cae = small_cae();
        let first = PretrainedEncoder::seeded(&cae, 1, &Device::Cpu).unwrap();
        let second = PretrainedEncoder::seeded(&cae, 2, &Device::Cpu).unwrap();
        let both = ChannelStatistics::new(first.clone())
            .with_encoder(second)
            .unwrap()
            .with_scales(vec![1, 2])
            .unwrap();
        let names = both.names();
        assert_eq!(names.len(), both.dim());
        assert_eq!(both.dim(), 4 * ChannelStatistics::new(first.clone()).dim());
        assert_eq!(names[0], "scale1.encoder1.conv1.mean.0");
        assert_eq!(names[both.dim() - 1], "scale2.encoder2.latent.std.4");
        let distinct: std::collections::HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        for bad in [vec![], vec![0], vec![1, 1], vec![MAX_STATISTICS_SCALE + 1]] {
            let err = ChannelStatistics::new(first.clone())
                .with_scales(bad.clone())
                .unwrap_err();
            assert!(err.to_string().contains("scales"), "{bad:?}: {err}");
        }
        assert_eq!(ChannelStatistics::new(first).scales(), &[1]);
    }

    #[test]
    fn rejects_slopes_outside_zero_to_one() {
        let cae = small_cae();
        let enc = PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap();
        for bad in [-0.1, 1.5, f64::NAN, f64::INFINITY] {
            let err = ChannelStatistics::new(enc.clone())
                .with_negative_slope(bad)
                .unwrap_err();
            assert!(err.to_string().contains("negative slope"), "{err}");
        }
        assert_eq!(ChannelStatistics::new(enc).negative_slope(), 0.0);
    }

    #[test]
    fn rejects_wrong_channels_and_tiny_images() {
        let cae = small_cae();
        let stats =
            ChannelStatistics::new(PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap());
        assert!(stats
            .compute(&Tensor::zeros((1, 1, 16, 16), candle_core::DType::F32, &Device::Cpu).unwrap())
            .is_err());
        assert_too_small(&stats, (2, 2));
    }

    #[test]
    fn an_ensemble_concatenates_its_encoders_statistics() {
        let cae = small_cae();
        let first = PretrainedEncoder::seeded(&cae, 1, &Device::Cpu).unwrap();
        let deeper = CaeConfig {
            filters: vec![2, 3, 4],
            ..cae.clone()
        };
        let second = PretrainedEncoder::seeded(&deeper, 2, &Device::Cpu).unwrap();
        let alone = |e: &PretrainedEncoder| {
            ChannelStatistics::new(e.clone())
                .with_negative_slope(0.1)
                .unwrap()
        };
        let both = ChannelStatistics::new(first.clone())
            .with_encoder(second.clone())
            .unwrap()
            .with_negative_slope(0.1)
            .unwrap();
        assert_eq!(both.dim(), alone(&first).dim() + alone(&second).dim());
        assert_eq!(both.names().len(), both.dim());
        assert_eq!(both.names()[0], "encoder1.conv1.mean.0");
        assert_eq!(both.names()[both.dim() - 1], "encoder2.latent.std.3");
        // The deeper encoder pools three times: the ensemble needs sides of 8 px.
        assert_eq!(alone(&first).smallest_side(), 4);
        assert_eq!(both.smallest_side(), 8);
        let x = Tensor::rand(0f32, 1f32, (2, 3, 16, 24), &Device::Cpu).unwrap();
        let want = Tensor::cat(
            &[
                alone(&first).compute(&x).unwrap(),
                alone(&second).compute(&x).unwrap(),
            ],
            1,
        )
        .unwrap();
        assert_eq!(
            both.compute(&x).unwrap().to_vec2::<f32>().unwrap(),
            want.to_vec2::<f32>().unwrap()
        );
        // Each encoder's tensors are kept apart by name.
        let names: Vec<String> = both.named_tensors().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names.len(), 4 + 6);
        assert!(names.iter().any(|n| n.starts_with("ensemble2.")));
        assert_eq!(both.vars().len(), 10);
    }

    #[test]
    fn an_ensemble_refuses_encoders_of_other_channels() {
        let cae = small_cae();
        let grey = CaeConfig {
            in_channels: 1,
            ..cae.clone()
        };
        let err = ChannelStatistics::new(PretrainedEncoder::seeded(&cae, 0, &Device::Cpu).unwrap())
            .with_encoder(PretrainedEncoder::seeded(&grey, 0, &Device::Cpu).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("same channels"), "{err}");
    }
}
