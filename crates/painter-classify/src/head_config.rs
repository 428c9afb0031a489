//! [`HeadConfig`]: the shape of the dense classifier head that sits on the encoder's latent maps.

use crate::error::{ClassifyError, Result};
use serde::{Deserialize, Serialize};

/// How the latent maps `C x H x W` become the vector fed to the dense layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeadKind {
    /// The paper's head: flatten all `C * H * W` values. For the paper preset (200 x 64 x 64 latent
    /// maps, first dense layer of 400 units) that layer holds 328 M weights (1.3 GB in `f32`, about
    /// 6.3 GB peak while training with AdamW: weights, two moments and Candle's gradient buffers).
    /// With that many inputs per unit, use a small learning rate (around `1e-5` for AdamW): `1e-3`
    /// makes the logits jump.
    Flatten,
    /// The cheap head: global average pooling and global max pooling of every latent map,
    /// concatenated (`2 * C` values). Small and fast; the choice for small machines.
    GlobalPool,
}

impl HeadKind {
    /// The length of the vector the first dense layer sees, for latent maps `(c, h, w)`.
    pub fn input_dim(&self, (c, h, w): (usize, usize, usize)) -> usize {
        match self {
            HeadKind::Flatten => c * h * w,
            HeadKind::GlobalPool => 2 * c,
        }
    }
}

/// The classifier head: optional spatial dropout on the latent maps, flatten or pool, dense layers
/// with ReLU and dropout, then a dense layer to one logit per painter (softmax gives probabilities).
///
/// ```
/// use painter_classify::{HeadConfig, HeadKind};
///
/// let paper = HeadConfig::paper((200, 64, 64), 10);
/// assert_eq!(paper.hidden, vec![400, 200]);
/// assert_eq!(paper.parameter_count(), 200 * 64 * 64 * 400 + 400 + 400 * 200 + 200 + 200 * 10 + 10);
/// assert!(paper.validate().is_ok());
///
/// let small = HeadConfig::pooled((64, 32, 32), 3);
/// assert_eq!(small.kind, HeadKind::GlobalPool);
/// assert_eq!(small.input_dim(), 128);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeadConfig {
    /// Flatten (paper) or global pooling (cheap).
    pub kind: HeadKind,
    /// The latent maps' shape `(C, H, W)` the head is built for.
    pub latent_shape: (usize, usize, usize),
    /// Widths of the hidden dense layers (the paper: `[400, 200]`).
    pub hidden: Vec<usize>,
    /// The number of painters (outputs).
    pub num_classes: usize,
    /// Dropout probability after every hidden layer (0 disables it).
    pub dropout: f32,
    /// SpatialDropout2D probability on the latent maps: whole maps are zeroed (0 disables it).
    pub spatial_dropout: f32,
}

impl HeadConfig {
    /// The paper's head: flatten, dense 400, dense 200, softmax; dropout 0.5, no spatial dropout.
    pub fn paper(latent_shape: (usize, usize, usize), num_classes: usize) -> Self {
        Self {
            kind: HeadKind::Flatten,
            latent_shape,
            hidden: vec![400, 200],
            num_classes,
            dropout: 0.5,
            spatial_dropout: 0.0,
        }
    }

    /// The cheap head: global average + max pooling, then the paper's dense 400, dense 200, softmax.
    pub fn pooled(latent_shape: (usize, usize, usize), num_classes: usize) -> Self {
        Self {
            kind: HeadKind::GlobalPool,
            ..Self::paper(latent_shape, num_classes)
        }
    }

    /// Sets the dropout after hidden layers.
    pub fn with_dropout(mut self, p: f32) -> Self {
        self.dropout = p;
        self
    }

    /// Sets the spatial dropout on the latent maps.
    pub fn with_spatial_dropout(mut self, p: f32) -> Self {
        self.spatial_dropout = p;
        self
    }

    /// Sets the hidden layer widths.
    pub fn with_hidden(mut self, hidden: Vec<usize>) -> Self {
        self.hidden = hidden;
        self
    }

    /// The length of the vector the first dense layer sees.
    pub fn input_dim(&self) -> usize {
        self.kind.input_dim(self.latent_shape)
    }

    /// The `(inputs, outputs)` of every dense layer, the output layer last.
    pub fn layer_dims(&self) -> Vec<(usize, usize)> {
        let mut dims = Vec::with_capacity(self.hidden.len() + 1);
        let mut fan_in = self.input_dim();
        for &h in &self.hidden {
            dims.push((fan_in, h));
            fan_in = h;
        }
        dims.push((fan_in, self.num_classes));
        dims
    }

    /// The number of trainable values (weights and biases).
    pub fn parameter_count(&self) -> usize {
        self.layer_dims().iter().map(|(i, o)| i * o + o).sum()
    }

    /// Checks every field; says which one is wrong and why.
    pub fn validate(&self) -> Result<()> {
        let (c, h, w) = self.latent_shape;
        if c == 0 || h == 0 || w == 0 {
            return Err(ClassifyError::InvalidConfig(format!(
                "latent_shape must have no zero dimension, got {:?}",
                self.latent_shape
            )));
        }
        if self.num_classes < 2 {
            return Err(ClassifyError::InvalidConfig(format!(
                "num_classes must be at least 2, got {}",
                self.num_classes
            )));
        }
        if let Some(i) = self.hidden.iter().position(|&h| h == 0) {
            return Err(ClassifyError::InvalidConfig(format!(
                "hidden layer {i} has width 0"
            )));
        }
        for (name, p) in [
            ("dropout", self.dropout),
            ("spatial_dropout", self.spatial_dropout),
        ] {
            if !(0.0..1.0).contains(&p) {
                return Err(ClassifyError::InvalidConfig(format!(
                    "{name} must be in [0, 1), got {p}"
                )));
            }
        }
        let mut fan_in = self.input_dim();
        for (i, &h) in self.hidden.iter().enumerate() {
            if fan_in
                .checked_mul(h)
                .is_none_or(|n| n > isize::MAX as usize / 4)
            {
                return Err(ClassifyError::InvalidConfig(format!(
                    "dense layer {i} ({fan_in} x {h}) is too large"
                )));
            }
            fan_in = h;
        }
        Ok(())
    }
}
