//! A dense head on the encoder (`classifier.kind = "dense"`; the paper's flatten -> 400 -> 200 ->
//! softmax, or the cheap global-pooling head), frozen or fine-tuned, trained per fold with early
//! stopping on a stratified split carved out of the fold's training part: nothing of the test
//! paintings is used for training or for stopping.

use super::folds::{Fold, FoldClassifier, FoldOutput};
use super::protocol::{CurvePoint, Protocol, ScoredFoldCurve, TrainingStep};
use super::PipelineError;
use crate::recipe::DenseRecipe;
use painter_classify::{
    AugmentConfig, CacheConfig, ClassWeights, EarlyStopping, EncoderTraining, FoldTrainer,
    HeadConfig, OptimizerConfig, Preprocessing, PretrainedEncoder, TrainConfig,
};
use painter_data::Dataset;

/// The head of a dense recipe for latent maps of `latent` shape and `classes` painters.
pub fn head_config(
    recipe: &DenseRecipe,
    latent: (usize, usize, usize),
    classes: usize,
) -> HeadConfig {
    HeadConfig {
        kind: recipe.head,
        hidden: recipe.hidden.clone(),
        dropout: recipe.dropout,
        ..HeadConfig::paper(latent, classes)
    }
}

/// The training settings of a dense recipe.
pub fn train_config(recipe: &DenseRecipe, verbose: bool) -> TrainConfig {
    TrainConfig {
        epochs: recipe.epochs,
        batch_size: recipe.batch_size,
        optimizer: OptimizerConfig::torch_adamw(recipe.learning_rate),
        encoder: if recipe.fine_tune > 0.0 {
            EncoderTraining::FineTune {
                learning_rate: recipe.fine_tune,
            }
        } else {
            EncoderTraining::Frozen
        },
        class_weights: ClassWeights::Uniform,
        augment: if recipe.augment {
            AugmentConfig::flip_and_crop()
        } else {
            AugmentConfig::none()
        },
        early_stopping: Some(EarlyStopping {
            patience: recipe.patience,
            min_delta: 0.0,
        }),
        validation_fraction: recipe.validation_fraction,
        cache: CacheConfig::Memory { half: false },
        seed: 0,
        verbose,
    }
}

/// The dense head as a fold model on a draw's paintings: painter-classify's [`FoldTrainer`] trains
/// each fold's classifier; this adds what a run keeps of it.
pub struct DenseFolds<'a> {
    /// Trains a fresh classifier per fold on the draw's paintings (the seed is the fold's).
    pub trainer: FoldTrainer<'a>,
    /// Save every fold's model.
    pub save_models: bool,
}

impl<'a> DenseFolds<'a> {
    /// The dense recipe's folds on `dataset` (standardized to the encoder's input size), every
    /// fold starting from `encoder`, on its device; no fold model is saved.
    pub fn new(
        recipe: &DenseRecipe,
        dataset: &'a dyn Dataset,
        encoder: &PretrainedEncoder,
        verbose: bool,
    ) -> Result<Self, PipelineError> {
        let config = encoder.config();
        let size = u32::try_from(config.image_size).map_err(|_| {
            PipelineError::InvalidOption("the encoder's image size is too large".into())
        })?;
        let head = head_config(recipe, config.latent_shape(), dataset.class_names().len());
        let trainer = FoldTrainer::new(
            encoder.clone(),
            head,
            Preprocessing::new(size),
            dataset,
            train_config(recipe, verbose),
            encoder.device(),
        )?;
        Ok(Self {
            trainer,
            save_models: false,
        })
    }

    /// The paper's protocol for the dense head: a fresh head (same seed) trained on *all* of the
    /// fold's training paintings for every epoch of the recipe, no early stopping, its accuracy
    /// on the fold's test paintings recorded after each epoch.
    fn scored_fold_curve(&mut self, fold: &Fold<'_>) -> Result<ScoredFoldCurve, PipelineError> {
        let (_, history) = self.trainer.fit(fold.seed, fold.train, Some(fold.test))?;
        let points = history
            .epochs
            .iter()
            .map(|e| {
                let accuracy = e.val_acc.ok_or_else(|| {
                    PipelineError::CrossValidation(format!(
                        "epoch {} has no accuracy on the scored fold",
                        e.epoch
                    ))
                })?;
                Ok(CurvePoint {
                    step: e.epoch as f64,
                    accuracy,
                })
            })
            .collect::<Result<Vec<_>, PipelineError>>()?;
        ScoredFoldCurve::new(TrainingStep::Epoch, points)
    }
}

impl FoldClassifier for DenseFolds<'_> {
    fn fit_fold(&mut self, fold: &Fold<'_>) -> Result<FoldOutput, PipelineError> {
        if self.trainer.features_pending() {
            println!(
                "  computing the frozen encoder's features of the draw's {} paintings once",
                fold.train.len() + fold.test.len()
            );
        }
        let (model, history) = self.trainer.fit(fold.seed, fold.train, None)?;
        let probabilities = self
            .trainer
            .predict(&model, fold.test)?
            .into_iter()
            .map(|p| p.into_iter().map(f64::from).collect())
            .collect();
        history.save_curves(&fold.dir)?;
        history.save_json(&fold.dir.join("history.json"))?;
        if self.save_models {
            model.save(&fold.dir.join("model"))?;
        }
        let scored_fold = match fold.protocol {
            Protocol::Honest => None,
            Protocol::Paper => Some(self.scored_fold_curve(fold)?),
        };
        Ok(FoldOutput {
            probabilities,
            details: format!(
                "{} of the training paintings held out for early stopping, best epoch {} of {}",
                history.validation_samples,
                history.best_epoch.map_or("-".into(), |e| e.to_string()),
                history.epochs.len()
            ),
            notes: Vec::new(),
            history: Some(history),
            scored_fold,
        })
    }
}
