//! [`FeatureExtractor`]: what the classifier needs from an encoder. Implemented by the pretrained CAE
//! encoder ([`PretrainedEncoder`](crate::PretrainedEncoder)); tests and experiments may plug in others.

use crate::error::Result;
use candle_core::{Tensor, Var};

/// An image encoder producing latent maps `N x C x H x W` from normalized images `N x 3 x S x S`.
pub trait FeatureExtractor: Send + Sync {
    /// The `(C, H, W)` of the latent maps for the configured input size.
    fn latent_shape(&self) -> (usize, usize, usize);

    /// The latent maps of a batch. Gradients flow into [`FeatureExtractor::vars`] (callers detach the
    /// result when the encoder is frozen).
    fn extract(&self, images: &Tensor) -> Result<Tensor>;

    /// The encoder's trainable variables (updated only when fine-tuning).
    fn vars(&self) -> Vec<Var>;

    /// Every variable with its name, for saving and for checking that a frozen encoder stayed put.
    fn named_tensors(&self) -> Vec<(String, Tensor)>;
}
