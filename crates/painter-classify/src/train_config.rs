//! [`TrainConfig`]: every training hyperparameter, checked by [`TrainConfig::validate`].

use crate::error::{ClassifyError, Result};
use painter_train::OptimizerConfig;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Whether (and when) the encoder is trained along with the head.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum EncoderTraining {
    /// The encoder never changes (the default: fine-tuning let the encoder drift and overfit).
    Frozen,
    /// The encoder is trained from the first epoch with its own learning rate.
    FineTune {
        /// The encoder's learning rate (typically 10-100x smaller than the head's).
        learning_rate: f64,
    },
    /// The encoder is frozen for the first `after_epochs` epochs, then fine-tuned.
    UnfreezeAfter {
        /// Epochs with a frozen encoder.
        after_epochs: usize,
        /// The encoder's learning rate once unfrozen.
        learning_rate: f64,
    },
}

impl EncoderTraining {
    /// Whether the encoder is trained in (1-based) `epoch`.
    pub fn trains_encoder(&self, epoch: usize) -> bool {
        match *self {
            EncoderTraining::Frozen => false,
            EncoderTraining::FineTune { .. } => true,
            EncoderTraining::UnfreezeAfter { after_epochs, .. } => epoch > after_epochs,
        }
    }

    /// The encoder's learning rate, if it is ever trained.
    pub fn learning_rate(&self) -> Option<f64> {
        match *self {
            EncoderTraining::Frozen => None,
            EncoderTraining::FineTune { learning_rate }
            | EncoderTraining::UnfreezeAfter { learning_rate, .. } => Some(learning_rate),
        }
    }
}

/// Per-class weights of the cross-entropy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "weights")]
pub enum ClassWeights {
    /// Every sample counts once.
    Uniform,
    /// scikit-learn's `"balanced"`: `n_samples / (n_classes * count[c])` from the training labels.
    Balanced,
    /// Given weights, one per class.
    Manual(Vec<f32>),
}

/// Augmentation of training images (painter-data's keyed [`HorizontalFlip`](painter_data::HorizontalFlip)
/// and [`RandomCrop`](painter_data::RandomCrop)).
///
/// With a frozen encoder and the feature cache on, the encoder does not see a new augmentation every
/// epoch: the cache holds `cached_views` augmented views of every training image (computed once), and
/// each epoch every image uses one of them, picked at random (seeded). Validation and prediction always
/// use the plain image. With the cache off, or while the encoder is being trained, every epoch draws new
/// augmentations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AugmentConfig {
    /// Probability of a horizontal flip (0 disables it).
    pub horizontal_flip: f64,
    /// Random resized crop: the smallest side fraction kept (`None` disables cropping).
    pub crop_min_scale: Option<f64>,
    /// Augmented views cached per training image when features are cached (at least 1).
    pub cached_views: usize,
}

impl AugmentConfig {
    /// No augmentation.
    pub fn none() -> Self {
        Self {
            horizontal_flip: 0.0,
            crop_min_scale: None,
            cached_views: 1,
        }
    }

    /// Flips with probability 0.5 and crops keeping at least 80 % of each side; 4 cached views.
    pub fn flip_and_crop() -> Self {
        Self {
            horizontal_flip: 0.5,
            crop_min_scale: Some(0.8),
            cached_views: 4,
        }
    }

    /// Whether any augmentation is on.
    pub fn is_active(&self) -> bool {
        self.horizontal_flip > 0.0 || self.crop_min_scale.is_some()
    }
}

/// Where frozen-encoder features are cached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CacheConfig {
    /// Run the encoder on every batch of every epoch.
    Off,
    /// Keep features in memory; `half` stores them as `f16` (half the memory: 1.6 MB per image for
    /// the paper's 200 x 64 x 64 latent maps instead of 3.3 MB).
    Memory {
        /// Store as `f16`.
        half: bool,
    },
    /// Keep features on disk, one safetensors file per image and view (written atomically), read
    /// back for every batch. For datasets whose features do not fit in memory.
    Disk {
        /// The cache folder (created; reused when its description matches).
        dir: PathBuf,
        /// Store as `f16`.
        half: bool,
    },
}

/// Early stopping on the validation loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EarlyStopping {
    /// Epochs without an improvement before training stops.
    pub patience: usize,
    /// The smallest decrease of the validation loss that counts as an improvement.
    pub min_delta: f64,
}

/// Training hyperparameters.
///
/// ```
/// use painter_classify::{TrainConfig, EncoderTraining};
///
/// let cfg = TrainConfig::default();
/// assert_eq!(cfg.encoder, EncoderTraining::Frozen);
/// assert!(cfg.validate().is_ok());
/// let bad = TrainConfig { batch_size: 0, ..TrainConfig::default() };
/// assert!(bad.validate().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The most epochs to train.
    pub epochs: usize,
    /// Images per batch.
    pub batch_size: usize,
    /// The head's optimizer (the encoder, when trained, uses the same kind with its own rate).
    pub optimizer: OptimizerConfig,
    /// Frozen, fine-tuned, or unfrozen after some epochs.
    pub encoder: EncoderTraining,
    /// Class weights of the loss.
    pub class_weights: ClassWeights,
    /// Augmentation of training images.
    pub augment: AugmentConfig,
    /// Early stopping (needs validation data); the best epoch's weights are restored at the end.
    pub early_stopping: Option<EarlyStopping>,
    /// When no validation indices are given, this fraction of the training indices (stratified) is
    /// held out for validation; 0 trains on all of them without validation.
    pub validation_fraction: f64,
    /// Frozen-feature cache.
    pub cache: CacheConfig,
    /// Seed of initialization, shuffling, dropout, augmentation and the validation split.
    pub seed: u64,
    /// Print the per-epoch line and show progress bars.
    pub verbose: bool,
}

impl Default for TrainConfig {
    /// 30 epochs of 32 images, AdamW 1e-3, frozen encoder, no augmentation, early stopping with
    /// patience 5, 10 % validation, in-memory `f16` cache, seed 0, quiet.
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 32,
            optimizer: OptimizerConfig::torch_adamw(1e-3),
            encoder: EncoderTraining::Frozen,
            class_weights: ClassWeights::Uniform,
            augment: AugmentConfig::none(),
            early_stopping: Some(EarlyStopping {
                patience: 5,
                min_delta: 0.0,
            }),
            validation_fraction: 0.1,
            cache: CacheConfig::Memory { half: true },
            seed: 0,
            verbose: false,
        }
    }
}

impl TrainConfig {
    /// Checks every field; the error names the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(ClassifyError::InvalidConfig(m));
        if self.epochs == 0 {
            return bad("epochs must be > 0".into());
        }
        if self.batch_size == 0 {
            return bad("batch_size must be > 0".into());
        }
        self.optimizer.validate()?;
        if let Some(lr) = self.encoder.learning_rate() {
            if !(lr.is_finite() && lr > 0.0) {
                return bad(format!(
                    "encoder learning_rate must be finite and > 0, got {lr}"
                ));
            }
        }
        if let ClassWeights::Manual(w) = &self.class_weights {
            if w.is_empty()
                || w.iter().any(|v| !(v.is_finite() && *v >= 0.0))
                || w.iter().all(|v| *v == 0.0)
            {
                return bad(format!(
                    "class weights must be finite, >= 0 and not all 0, got {w:?}"
                ));
            }
        }
        let a = &self.augment;
        if !(0.0..=1.0).contains(&a.horizontal_flip) {
            return bad(format!(
                "horizontal_flip must be in [0, 1], got {}",
                a.horizontal_flip
            ));
        }
        if let Some(s) = a.crop_min_scale {
            if !(s > 0.0 && s <= 1.0) {
                return bad(format!("crop_min_scale must be in (0, 1], got {s}"));
            }
        }
        if a.cached_views == 0 {
            return bad("cached_views must be at least 1".into());
        }
        if let Some(es) = &self.early_stopping {
            if es.patience == 0 {
                return bad("early_stopping.patience must be > 0".into());
            }
            if !(es.min_delta.is_finite() && es.min_delta >= 0.0) {
                return bad(format!(
                    "early_stopping.min_delta must be >= 0, got {}",
                    es.min_delta
                ));
            }
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return bad(format!(
                "validation_fraction must be in [0, 1), got {}",
                self.validation_fraction
            ));
        }
        Ok(())
    }
}
