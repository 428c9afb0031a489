//! The `[classifier]` section: the linear probe on the frozen encoders' texture statistics
//! (`kind = "probe"`), or the paper's dense head on the encoder (`kind = "dense"`), each with its
//! own keys.

use super::RecipeError;
use painter_classify::HeadKind;
use serde::{Deserialize, Serialize};

/// The classifier of a recipe; `kind` selects the variant, and a key of the other variant is an
/// error that names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassifierRecipe {
    /// The linear probe.
    Probe(ProbeRecipe),
    /// A dense head trained on the encoder.
    Dense(DenseRecipe),
}

impl ClassifierRecipe {
    /// The variant's name, as `classifier.kind` spells it.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Probe(_) => "probe",
            Self::Dense(_) => "dense",
        }
    }

    /// The defaults of the variant `kind`.
    pub fn defaults(kind: &str) -> Result<Self, RecipeError> {
        match kind {
            "probe" => Ok(Self::Probe(ProbeRecipe::default())),
            "dense" => Ok(Self::Dense(DenseRecipe::default())),
            other => Err(RecipeError::invalid(
                "classifier.kind",
                format!("unknown classifier `{other}` (expected `probe` or `dense`)"),
            )),
        }
    }

    /// A one-line description, for the report.
    pub fn describe(&self) -> String {
        match self {
            Self::Probe(p) => p.describe(),
            Self::Dense(d) => d.describe(),
        }
    }
}

/// The linear probe: per-channel mean and standard deviation of every encoder stage's activations
/// and of the latent maps (of every encoder, concatenated), standardized, then a multinomial
/// logistic regression whose `C` is chosen by stratified cross-validation inside each fold's
/// training images. The encoders stay frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProbeRecipe {
    /// The side the probe reads the paintings at (the encoders were trained at the CAE's input
    /// size; their statistics do not depend on the image size).
    pub image_size: usize,
    /// Describe each painting by patches of this side (stride half of it; a painting's prediction
    /// is the mean log-probability of its patches); 0: the whole painting.
    pub patch_size: usize,
    /// Read the encoders through a leaky ReLU `max(x, s * x)` in place of their ReLUs (0: the
    /// ReLUs as trained).
    pub negative_slope: f64,
    /// Read each painting (or patch) at these scales, concatenated: at scale `s` the encoder sees
    /// it averaged over `s x s` blocks.
    pub scales: Vec<usize>,
    /// The candidate inverse regularization strengths `C`.
    pub c_grid: Vec<f64>,
    /// Folds of the inner cross-validation that chooses `C`.
    pub inner_folds: usize,
    /// Scale the probabilities by a temperature fitted, inside each fold's training paintings, to
    /// the inner cross-validation's held-out probabilities at the chosen `C` (it changes how sure
    /// the probe says it is, never which painter ranks first).
    pub temperature: bool,
}

impl Default for ProbeRecipe {
    fn default() -> Self {
        Self {
            image_size: 64,
            patch_size: 0,
            negative_slope: 0.0,
            scales: vec![1],
            c_grid: vec![0.01, 0.03, 0.1, 0.3, 1.0, 3.0],
            inner_folds: 5,
            temperature: false,
        }
    }
}

impl ProbeRecipe {
    /// Checks every key; `min_side` is the smallest side the encoders' poolings can read at scale 1.
    pub fn validate(&self, min_side: usize) -> Result<(), RecipeError> {
        let key = |k: &str| format!("classifier.{k}");
        if !(8..=1024).contains(&self.image_size) {
            return Err(RecipeError::invalid(
                key("image_size"),
                format!("must be in 8..=1024, got {}", self.image_size),
            ));
        }
        if !painter_classify::are_valid_scales(&self.scales) {
            return Err(RecipeError::invalid(
                key("scales"),
                format!(
                    "must be one or more distinct integers from 1 to {}, got {:?}",
                    painter_classify::MAX_STATISTICS_SCALE,
                    self.scales
                ),
            ));
        }
        let largest = self.scales.iter().copied().max().unwrap_or(1);
        let smallest = min_side * largest;
        let side = if self.patch_size == 0 {
            self.image_size
        } else {
            self.patch_size
        };
        if side < smallest || side > self.image_size {
            return Err(RecipeError::invalid(
                key(if self.patch_size == 0 {
                    "image_size"
                } else {
                    "patch_size"
                }),
                format!(
                    "the statistics read {side} px at scale {largest}: the encoders' poolings need {smallest}..={} px",
                    self.image_size
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.negative_slope) {
            return Err(RecipeError::invalid(
                key("negative_slope"),
                format!("must lie in [0, 1], got {}", self.negative_slope),
            ));
        }
        if self.c_grid.is_empty() || self.c_grid.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
            return Err(RecipeError::invalid(
                key("c_grid"),
                format!(
                    "must hold one or more positive values, got {:?}",
                    self.c_grid
                ),
            ));
        }
        if self.inner_folds < 2 {
            return Err(RecipeError::invalid(
                key("inner_folds"),
                format!("must be at least 2, got {}", self.inner_folds),
            ));
        }
        Ok(())
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "linear probe on the frozen encoders' per-channel mean and std of every stage and of the latent maps, of each painting at {0}x{0}",
            self.image_size
        );
        if self.patch_size > 0 {
            s += &format!(
                " by patches of {0}x{0} (stride {1}; a painting's prediction is the mean log-probability of its patches)",
                self.patch_size,
                self.patch_size / 2
            );
        }
        if self.negative_slope != 0.0 {
            s += &format!(
                ", read through a leaky ReLU of slope {} in place of the ReLUs",
                self.negative_slope
            );
        }
        if self.scales != [1] {
            s += &format!(", at scales {:?}", self.scales);
        }
        s + &format!(
            "; standardized; multinomial logistic regression (L2), C chosen from {:?} by {}-fold stratified cross-validation inside each fold's training paintings{}",
            self.c_grid,
            self.inner_folds,
            if self.temperature {
                "; probabilities scaled by a temperature fitted to that inner cross-validation's held-out predictions"
            } else {
                ""
            }
        )
    }
}

/// A dense head on the encoder's latent maps (the paper: flatten, dense 400, dense 200, softmax),
/// trained with AdamW and early stopping on a stratified split of each fold's training part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DenseRecipe {
    /// `flatten` (the paper: every latent value) or `global_pool` (average and max of every map).
    pub head: HeadKind,
    /// Widths of the hidden dense layers.
    pub hidden: Vec<usize>,
    /// Dropout after every hidden layer.
    pub dropout: f32,
    /// Epochs at most.
    pub epochs: usize,
    /// Images per mini-batch.
    pub batch_size: usize,
    /// The head's AdamW learning rate.
    pub learning_rate: f64,
    /// Early-stopping patience in epochs.
    pub patience: usize,
    /// The fraction of each fold's training part held out for early stopping, in (0, 0.5).
    pub validation_fraction: f64,
    /// Fine-tune the encoder with this learning rate (0: the encoder stays frozen).
    pub fine_tune: f64,
    /// Flip-and-crop augmentation of the training images.
    pub augment: bool,
}

impl Default for DenseRecipe {
    fn default() -> Self {
        Self {
            head: HeadKind::GlobalPool,
            hidden: vec![400, 200],
            dropout: 0.5,
            epochs: 150,
            batch_size: 32,
            learning_rate: 3e-3,
            patience: 20,
            validation_fraction: 0.1,
            fine_tune: 0.0,
            augment: false,
        }
    }
}

impl DenseRecipe {
    /// Checks every key.
    pub fn validate(&self) -> Result<(), RecipeError> {
        let key = |k: &str| format!("classifier.{k}");
        if self.hidden.contains(&0) {
            return Err(RecipeError::invalid(
                key("hidden"),
                "every layer needs at least 1 unit",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(RecipeError::invalid(
                key("dropout"),
                format!("must lie in [0, 1), got {}", self.dropout),
            ));
        }
        if self.epochs == 0 || self.batch_size == 0 || self.patience == 0 {
            return Err(RecipeError::invalid(
                key(if self.epochs == 0 {
                    "epochs"
                } else if self.batch_size == 0 {
                    "batch_size"
                } else {
                    "patience"
                }),
                "must be at least 1",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(RecipeError::invalid(
                key("learning_rate"),
                format!("must be > 0, got {}", self.learning_rate),
            ));
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 0.5) {
            return Err(RecipeError::invalid(
                key("validation_fraction"),
                format!("must lie in (0, 0.5), got {}", self.validation_fraction),
            ));
        }
        if !(self.fine_tune.is_finite() && self.fine_tune >= 0.0) {
            return Err(RecipeError::invalid(
                key("fine_tune"),
                format!("must be >= 0 (0: frozen), got {}", self.fine_tune),
            ));
        }
        Ok(())
    }

    /// A one-line description.
    pub fn describe(&self) -> String {
        format!(
            "dense head ({}, hidden {:?}, dropout {}), encoder {}, AdamW lr {}, up to {} epochs of {}, early stopping (patience {}) on {:.0}% of each fold's training part{}",
            match self.head {
                HeadKind::Flatten => "flatten",
                HeadKind::GlobalPool => "global pooling",
            },
            self.hidden,
            self.dropout,
            if self.fine_tune > 0.0 {
                format!("fine-tuned (lr {})", self.fine_tune)
            } else {
                "frozen".into()
            },
            self.learning_rate,
            self.epochs,
            self.batch_size,
            self.patience,
            self.validation_fraction * 100.0,
            if self.augment {
                ", flip + crop augmentation"
            } else {
                ""
            }
        )
    }
}
