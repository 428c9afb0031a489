//! The `[pretraining]` section (how each CAE learns from the unlabeled paintings) and the
//! `[[encoders]]` of a recipe (one CAE each: its seed, and any pretraining key it sets otherwise).

use super::RecipeError;
use painter_cae::OptimizerConfig;
use serde::{Deserialize, Serialize};

/// What pretraining optimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// The CAE learns to reconstruct its (pixel-dropped) inputs: the paper's objective.
    Reconstruction,
    /// No pretraining: the encoder keeps its seeded random weights (the control of every
    /// pretraining experiment).
    None,
}

/// How a CAE is pretrained. Every key is a recipe key under `[pretraining]`; an `[[encoders]]`
/// entry may set any of them for its own CAE.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrainingRecipe {
    /// `reconstruction` (the paper) or `none` (random encoders of the same shape).
    pub objective: Objective,
    /// Epochs at most (early stopping on the validation images may end it sooner).
    pub epochs: usize,
    /// Images per mini-batch.
    pub batch_size: usize,
    /// The fraction of input pixels zeroed in every training image, redrawn each epoch (the paper:
    /// 0.2; 0 trains a plain autoencoder).
    pub pixel_dropout: f64,
    /// The fraction of the pretraining images held out to pick the best epoch, in `[0, 1)`.
    pub validation_fraction: f64,
    /// Stop after this many epochs without a better validation error (0: never stop early).
    pub patience: usize,
    /// Random crops of the CAE's input size cut from each pretraining image, standardized to
    /// `crop_from` px (0: the whole images, standardized to the CAE's input size). Crops let the
    /// encoder learn at the scale at which the probe later reads the paintings.
    pub crops: usize,
    /// The side the pretraining images are standardized to before crops are cut (only with
    /// `crops` > 0; above the CAE's input size).
    pub crop_from: usize,
    /// Pretrain on at most this many unlabeled images, a seeded random subset (0: all).
    pub images: usize,
    /// The optimizer and its learning-rate schedule (`kind = "sgd"`: the paper's 0.01 times 0.98
    /// every epoch; `kind = "adam_w"`).
    pub optimizer: OptimizerConfig,
}

impl Default for PretrainingRecipe {
    fn default() -> Self {
        Self {
            objective: Objective::Reconstruction,
            epochs: 6,
            batch_size: 16,
            pixel_dropout: 0.2,
            validation_fraction: 0.1,
            patience: 5,
            crops: 0,
            crop_from: 256,
            images: 0,
            optimizer: OptimizerConfig::adamw(),
        }
    }
}

/// The defaults of an optimizer of the given `kind` (its serde tag), for completing a recipe.
pub(crate) fn optimizer_defaults(kind: &str) -> Result<OptimizerConfig, RecipeError> {
    match kind {
        "sgd" => Ok(OptimizerConfig::paper_sgd()),
        "adam_w" => Ok(OptimizerConfig::adamw()),
        other => Err(RecipeError::invalid(
            "pretraining.optimizer.kind",
            format!("unknown optimizer `{other}` (expected `sgd` or `adam_w`)"),
        )),
    }
}

impl PretrainingRecipe {
    /// Checks every key; `key` is the section's dotted path (`pretraining` or `encoders.1`), and
    /// `cae_size` the CAE's input side (crops must be cut from larger images).
    pub fn validate(&self, key: &str, cae_size: usize) -> Result<(), RecipeError> {
        let at = |k: &str| format!("{key}.{k}");
        if self.epochs == 0 {
            return Err(RecipeError::invalid(at("epochs"), "must be at least 1"));
        }
        if self.batch_size == 0 {
            return Err(RecipeError::invalid(at("batch_size"), "must be at least 1"));
        }
        if !(0.0..1.0).contains(&self.pixel_dropout) {
            return Err(RecipeError::invalid(
                at("pixel_dropout"),
                format!("must lie in [0, 1), got {}", self.pixel_dropout),
            ));
        }
        if !(0.0..1.0).contains(&self.validation_fraction) {
            return Err(RecipeError::invalid(
                at("validation_fraction"),
                format!("must lie in [0, 1), got {}", self.validation_fraction),
            ));
        }
        if self.crops > 64 {
            return Err(RecipeError::invalid(
                at("crops"),
                format!("must be in 0..=64, got {}", self.crops),
            ));
        }
        if self.crops > 0 && !(cae_size < self.crop_from && self.crop_from <= 1024) {
            return Err(RecipeError::invalid(
                at("crop_from"),
                format!(
                    "crops of the CAE's {cae_size} px are cut from larger images: give a side in {}..=1024, got {}",
                    cae_size + 1,
                    self.crop_from
                ),
            ));
        }
        self.optimizer
            .validate()
            .map_err(|e| RecipeError::invalid(at("optimizer"), e.to_string()))
    }

    /// The side the pretraining images are standardized to: `crop_from` with crops, else the
    /// CAE's input size.
    pub fn image_side(&self, cae_size: usize) -> usize {
        if self.crops > 0 {
            self.crop_from
        } else {
            cae_size
        }
    }
}

/// One encoder of a recipe: a CAE pretrained (or drawn at random) with its own seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncoderRecipe {
    /// Added to the run's seed: the CAE's initialization, batch order and pixel-dropout masks.
    pub seed: u64,
    /// Its pretraining: `[pretraining]` with this encoder's own keys on top.
    pub pretraining: PretrainingRecipe,
}
