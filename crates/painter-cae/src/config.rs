//! [`CaeConfig`]: the architecture of the convolutional autoencoder, with the paper's and a compact
//! preset, checked before a model is built.

use crate::CaeError;
use serde::{Deserialize, Serialize};

/// How the decoder's transposed convolutions get their weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DecoderWeights {
    /// The decoder has weights of its own (`decoder.deconv{i}.weight`).
    #[default]
    Learned,
    /// The decoder reuses the encoder's convolution weights, transposed (it keeps its own biases).
    Tied,
}

/// How the decoder undoes each pooling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Upsampling {
    /// Max-unpooling with the encoder's switches (the paper).
    #[default]
    MaxUnpool,
    /// Nearest-neighbour upsampling, ignoring the switches (an ablation).
    Nearest,
}

/// The activation applied to the decoder's last transposed convolution.
///
/// The default, [`OutputActivation::Identity`], trains the raw output against the clean image in
/// `[0, 1]` with MSE: clamping inside the loss would cut the gradient of every pixel outside the
/// range, and a sigmoid slows SGD near black and white, which paintings have plenty of. The
/// reconstruction is clamped to `[0, 1]` only when it is turned into pixels
/// ([`crate::Cae::reconstruct`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum OutputActivation {
    /// No activation: the transposed convolution's output as is.
    #[default]
    Identity,
    /// A logistic sigmoid, so the output always lies in `(0, 1)`.
    Sigmoid,
}

/// The shape and initialization scale of one parameter of the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamSpec {
    /// The variable's name in the `VarMap`, e.g. `encoder.conv1.weight`.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// The fan-in used by the default initialization, `U(-1/sqrt(fan_in), 1/sqrt(fan_in))`.
    pub fan_in: usize,
}

/// The architecture of the convolutional autoencoder.
///
/// Encoder: for each entry `f` of `filters`, a `kernel_size` convolution with `f` filters and
/// "same" zero padding, a ReLU and a `pool x pool` max-pooling with stride `pool`. Decoder, mirrored:
/// for each layer from the deepest, max-unpooling (or nearest upsampling) back to the pre-pool size
/// and a transposed convolution back to the layer's input channels, with a ReLU after all but the
/// last.
///
/// ```
/// use painter_cae::CaeConfig;
/// let paper = CaeConfig::paper();
/// assert_eq!(paper.latent_shape(), (200, 64, 64));
/// assert_eq!(CaeConfig::compact().latent_shape(), (64, 32, 32));
/// let mut bad = CaeConfig::compact();
/// bad.kernel_size = 4; // "same" padding needs an odd kernel
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaeConfig {
    /// Side of the square input images, in pixels.
    pub image_size: usize,
    /// Channels of the input images (3 for RGB).
    pub in_channels: usize,
    /// Filters of each encoder convolution, from the input on.
    pub filters: Vec<usize>,
    /// Side of every (square) convolution kernel; odd, so that padding `kernel_size / 2` keeps sizes.
    pub kernel_size: usize,
    /// Side and stride of every max-pooling window.
    pub pool: usize,
    /// Learned or tied decoder weights.
    #[serde(default)]
    pub decoder_weights: DecoderWeights,
    /// Max-unpooling (the paper) or nearest upsampling in the decoder.
    #[serde(default)]
    pub upsampling: Upsampling,
    /// The activation of the reconstruction.
    #[serde(default)]
    pub output: OutputActivation,
}

impl Default for CaeConfig {
    fn default() -> Self {
        Self::compact()
    }
}

impl CaeConfig {
    /// The paper's architecture: 3 x 256 x 256 input, 5 x 5 convolutions with 100 and 200 filters,
    /// 2 x 2 pooling, learned decoder weights, max-unpooling.
    pub fn paper() -> Self {
        Self {
            image_size: 256,
            in_channels: 3,
            filters: vec![100, 200],
            kernel_size: 5,
            pool: 2,
            decoder_weights: DecoderWeights::Learned,
            upsampling: Upsampling::MaxUnpool,
            output: OutputActivation::Identity,
        }
    }

    /// The same shape at CPU scale: 3 x 128 x 128 input, 32 and 64 filters.
    pub fn compact() -> Self {
        Self {
            image_size: 128,
            filters: vec![32, 64],
            ..Self::paper()
        }
    }

    /// The smallest useful shape, for examples and tests (milliseconds on a CPU): `image_size`
    /// px input, 3 x 3 convolutions with 4 and 8 filters.
    ///
    /// ```
    /// let cfg = painter_cae::CaeConfig::tiny(32);
    /// assert_eq!(cfg.latent_shape(), (8, 8, 8));
    /// ```
    pub fn tiny(image_size: usize) -> Self {
        Self {
            image_size,
            filters: vec![4, 8],
            kernel_size: 3,
            ..Self::compact()
        }
    }

    /// A preset by name: `"paper"` or `"compact"`.
    pub fn preset(name: &str) -> Result<Self, CaeError> {
        match name {
            "paper" => Ok(Self::paper()),
            "compact" => Ok(Self::compact()),
            other => Err(CaeError::InvalidConfig(format!(
                "unknown preset `{other}` (expected `paper` or `compact`)"
            ))),
        }
    }

    /// Checks every hyperparameter; the error names the first one out of range.
    pub fn validate(&self) -> Result<(), CaeError> {
        let bad = |m: String| Err(CaeError::InvalidConfig(m));
        if self.in_channels == 0 {
            return bad("in_channels must be at least 1".into());
        }
        if self.filters.is_empty() {
            return bad("filters must name at least one convolution layer".into());
        }
        if let Some(i) = self.filters.iter().position(|&f| f == 0) {
            return bad(format!("filters[{i}] must be at least 1"));
        }
        if self.kernel_size == 0 || self.kernel_size.is_multiple_of(2) {
            return bad(format!(
                "kernel_size must be odd (\"same\" padding), got {}",
                self.kernel_size
            ));
        }
        if self.pool == 0 {
            return bad("pool must be at least 1".into());
        }
        if self.image_size == 0 {
            return bad("image_size must be at least 1".into());
        }
        let mut size = self.image_size;
        for (i, _) in self.filters.iter().enumerate() {
            if size < self.pool {
                return bad(format!(
                    "image_size {} is too small: layer {} would pool a {size}x{size} map with a {}x{} window",
                    self.image_size,
                    i + 1,
                    self.pool,
                    self.pool
                ));
            }
            size /= self.pool;
        }
        if self.image_size > 1 << 16 {
            return bad(format!(
                "image_size {} is larger than 65536",
                self.image_size
            ));
        }
        Ok(())
    }

    /// The number of convolution layers of the encoder (and transposed ones of the decoder).
    pub fn depth(&self) -> usize {
        self.filters.len()
    }

    /// "Same" padding of the convolutions: `kernel_size / 2`.
    pub fn padding(&self) -> usize {
        self.kernel_size / 2
    }

    /// The side of the feature maps entering each pooling (layer 1 first), for the configured
    /// `image_size`.
    pub fn pre_pool_sizes(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.filters.len());
        let mut size = self.image_size;
        for _ in &self.filters {
            out.push(size);
            size = size.checked_div(self.pool).unwrap_or(0);
        }
        out
    }

    /// The latent maps' shape `(C, H, W)` for the configured `image_size` (for a valid config).
    pub fn latent_shape(&self) -> (usize, usize, usize) {
        let mut size = self.image_size;
        for _ in &self.filters {
            size = size.checked_div(self.pool).unwrap_or(0);
        }
        (self.filters.last().copied().unwrap_or(0), size, size)
    }

    /// The input channels of layer `i` (0-based): `in_channels` for the first, else the previous
    /// layer's filters.
    pub fn layer_in_channels(&self, i: usize) -> usize {
        if i == 0 {
            self.in_channels
        } else {
            self.filters.get(i - 1).copied().unwrap_or(0)
        }
    }

    /// Every parameter of the full autoencoder with its shape, in a fixed order.
    pub fn parameter_specs(&self) -> Vec<ParamSpec> {
        let learned = self.decoder_weights == DecoderWeights::Learned;
        let decoder = (0..self.depth()).flat_map(|i| {
            self.layer_specs(i, "decoder.deconv", learned, self.layer_in_channels(i))
        });
        let mut specs = self.encoder_parameter_specs();
        specs.extend(decoder);
        specs
    }

    /// The parameters of the encoder alone (`encoder.conv{i}.weight` / `.bias`).
    pub fn encoder_parameter_specs(&self) -> Vec<ParamSpec> {
        (0..self.depth())
            .flat_map(|i| self.layer_specs(i, "encoder.conv", true, self.filters[i]))
            .collect()
    }

    /// The parameters of layer `i` (0-based) named `{layer}{i + 1}.*`: its weight, of the shape of
    /// the encoder's convolution (which the decoder's transposed convolution mirrors), when it has
    /// one of its own, then its bias of `bias_len` values; both with the convolution's fan-in.
    fn layer_specs(
        &self,
        i: usize,
        layer: &str,
        own_weight: bool,
        bias_len: usize,
    ) -> Vec<ParamSpec> {
        let (k, cin, f) = (self.kernel_size, self.layer_in_channels(i), self.filters[i]);
        let spec = |what: &str, shape: Vec<usize>| ParamSpec {
            name: format!("{layer}{}.{what}", i + 1),
            shape,
            fan_in: cin * k * k,
        };
        let weight = own_weight.then(|| spec("weight", vec![f, cin, k, k]));
        weight
            .into_iter()
            .chain([spec("bias", vec![bias_len])])
            .collect()
    }

    /// The number of scalar parameters of the autoencoder.
    pub fn parameter_count(&self) -> usize {
        self.parameter_specs()
            .iter()
            .map(|s| s.shape.iter().product::<usize>())
            .sum()
    }
}
