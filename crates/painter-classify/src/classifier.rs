//! [`PainterClassifier`]: an encoder (frozen or fine-tuned) plus the dense [`Head`], with the class
//! names and the preprocessing that prepares images for it.

use crate::error::{ClassifyError, Result};
use crate::extractor::FeatureExtractor;
use crate::head::Head;
use crate::head_config::HeadConfig;
use crate::preprocess::Preprocessing;
use candle_core::{Device, Tensor, Var};
use candle_nn::VarMap;
use image::RgbImage;

/// A painter classifier: `probabilities = softmax(head(encoder(preprocess(image))))`.
pub struct PainterClassifier<E> {
    encoder: E,
    head: Head,
    head_vars: VarMap,
    class_names: Vec<String>,
    preprocessing: Preprocessing,
    device: Device,
}

impl<E: std::fmt::Debug> std::fmt::Debug for PainterClassifier<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The head's VarMap holds the same tensors as the head.
        f.debug_struct("PainterClassifier")
            .field("encoder", &self.encoder)
            .field("head", &self.head)
            .field("class_names", &self.class_names)
            .field("preprocessing", &self.preprocessing)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

impl<E: FeatureExtractor> PainterClassifier<E> {
    /// Puts a freshly initialized head (seeded) on `encoder`.
    ///
    /// `head.latent_shape` must equal the encoder's latent shape and `head.num_classes` the number of
    /// class names.
    pub fn new(
        encoder: E,
        head: &HeadConfig,
        class_names: Vec<String>,
        preprocessing: Preprocessing,
        seed: u64,
        device: &Device,
    ) -> Result<Self> {
        let head = Head::seeded(head, seed, device)?;
        Self::from_parts(encoder, head, class_names, preprocessing, device)
    }

    /// Assembles a classifier from its parts, checking that they agree: the head comes with the
    /// [`VarMap`] of its variables (as [`Head::seeded`] and [`Head::from_tensors`] give it).
    pub fn from_parts(
        encoder: E,
        (head, head_vars): (Head, VarMap),
        class_names: Vec<String>,
        preprocessing: Preprocessing,
        device: &Device,
    ) -> Result<Self> {
        preprocessing.validate()?;
        let cfg = head.config();
        if cfg.num_classes != class_names.len() {
            return Err(ClassifyError::ClassCountMismatch {
                expected: cfg.num_classes,
                found: class_names.len(),
            });
        }
        if cfg.latent_shape != encoder.latent_shape() {
            return Err(ClassifyError::PartsDisagree(format!(
                "the head is built for latent maps {:?}, the encoder yields {:?}",
                cfg.latent_shape,
                encoder.latent_shape()
            )));
        }
        Ok(Self {
            encoder,
            head,
            head_vars,
            class_names,
            preprocessing,
            device: device.clone(),
        })
    }

    /// The encoder.
    pub fn encoder(&self) -> &E {
        &self.encoder
    }

    /// The head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The head's trainable variables, in the order of their names.
    pub fn head_vars(&self) -> Result<Vec<Var>> {
        let named = painter_train::named_vars(&self.head_vars)?;
        Ok(named.into_iter().map(|(_, v)| v).collect())
    }

    /// The painters, indexed by class.
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The preprocessing.
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// The device the model lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Latent maps of prepared images (no gradient into the encoder).
    pub fn latent(&self, images: &Tensor) -> Result<Tensor> {
        Ok(self.encoder.extract(images)?.detach())
    }

    /// Per-painter probabilities (`N x num_classes`) for prepared images (`N x 3 x S x S`).
    pub fn probabilities(&self, images: &Tensor) -> Result<Tensor> {
        self.head.probabilities(&self.latent(images)?)
    }

    /// Per-painter probabilities for RGB images of any size (standardized to the model's size),
    /// computed in batches of `batch_size`; one row per image.
    pub fn predict_images(&self, images: &[RgbImage], batch_size: usize) -> Result<Vec<Vec<f32>>> {
        if images.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(images.len());
        for chunk in images.chunks(batch_size.max(1)) {
            let x = self.preprocessing.to_tensor(chunk.to_vec(), &self.device)?;
            let p = self.probabilities(&x)?.to_vec2::<f32>()?;
            out.extend(p);
        }
        Ok(out)
    }
}
