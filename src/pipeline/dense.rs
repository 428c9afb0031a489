//! A dense head on the encoder (`classifier.kind = "dense"`; the paper's flatten -> 400 -> 200 ->
//! softmax, or the cheap global-pooling head), frozen or fine-tuned, trained per fold with early
//! stopping on a stratified split carved out of the fold's training part: nothing of the test
//! paintings is used for training or for stopping.

use super::folds::{FoldClassifier, FoldOutput, FoldPlace};
use super::protocol::{CurvePoint, Protocol, ScoredFoldCurve, TrainingStep};
use super::PipelineError;
use crate::recipe::DenseRecipe;
use candle_core::Device;
use painter_classify::{
    AugmentConfig, CacheConfig, ClassWeights, EarlyStopping, EncoderTraining, FeatureCache,
    HeadConfig, OptimizerConfig, PainterClassifier, Preprocessing, PretrainedEncoder, TrainConfig,
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

/// The dense head as a fold model on a draw's paintings.
pub struct DenseFolds<'a> {
    /// The draw's paintings, standardized to the encoder's input size.
    pub dataset: &'a dyn Dataset,
    /// The pretrained encoder every fold starts from.
    pub encoder: &'a PretrainedEncoder,
    /// The head's shape.
    pub head: HeadConfig,
    /// The training settings (the seed is the fold's).
    pub config: TrainConfig,
    /// Save every fold's model.
    pub save_models: bool,
    /// The device.
    pub device: &'a Device,
    /// The frozen encoder's features of every painting of the draw, computed at the first fold.
    pub cache: Option<FeatureCache>,
}

impl DenseFolds<'_> {
    /// The paper's protocol for the dense head: a fresh head (same seed) trained on *all* of the
    /// fold's training paintings for every epoch of the recipe, no early stopping, its accuracy
    /// on the fold's test paintings recorded after each epoch.
    fn scored_fold_curve(
        &self,
        place: &FoldPlace,
        train: &[usize],
        test: &[usize],
        cache: Option<&FeatureCache>,
    ) -> Result<ScoredFoldCurve, PipelineError> {
        let model = self.fold_model(place)?;
        let config = TrainConfig {
            seed: place.seed,
            early_stopping: None,
            ..self.config.clone()
        };
        let history = model.fit(self.dataset, train, Some(test), &config, cache)?;
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

    /// A fresh classifier for the fold: the fold's encoder and a head initialized with its seed.
    fn fold_model(
        &self,
        place: &FoldPlace,
    ) -> Result<PainterClassifier<PretrainedEncoder>, PipelineError> {
        let size = u32::try_from(self.encoder.config().image_size).map_err(|_| {
            PipelineError::InvalidOption("the encoder's image size is too large".into())
        })?;
        Ok(PainterClassifier::new(
            self.fold_encoder()?,
            &self.head,
            self.dataset.class_names().to_vec(),
            Preprocessing::new(size),
            place.seed,
            self.device,
        )?)
    }

    fn fold_encoder(&self) -> Result<PretrainedEncoder, PipelineError> {
        if self.config.encoder == EncoderTraining::Frozen {
            return Ok(self.encoder.clone());
        }
        // The encoder will change: the fold gets its own copy of the pretrained weights.
        let named: std::collections::HashMap<String, candle_core::Tensor> =
            self.encoder.named_tensors_copied()?.into_iter().collect();
        Ok(PretrainedEncoder::from_tensors(
            self.encoder.config(),
            |n| named.get(n).cloned(),
            self.device,
        )?)
    }
}

impl FoldClassifier for DenseFolds<'_> {
    fn fit_fold(
        &mut self,
        place: &FoldPlace,
        train: &[usize],
        test: &[usize],
    ) -> Result<FoldOutput, PipelineError> {
        let model = self.fold_model(place)?;
        let frozen = self.config.encoder == EncoderTraining::Frozen;
        if frozen && self.cache.is_none() {
            println!(
                "  computing the frozen encoder's features of the draw's {} paintings once",
                self.dataset.len()
            );
            let all: Vec<usize> = (0..self.dataset.len()).collect();
            self.cache = model.feature_cache(self.dataset, &all, &self.config)?;
        }
        let cache = if frozen { self.cache.as_ref() } else { None };
        let config = TrainConfig {
            seed: place.seed,
            ..self.config.clone()
        };
        let history = model.fit(self.dataset, train, None, &config, cache)?;
        let probabilities = model
            .predict_indices(self.dataset, test, cache, config.batch_size)?
            .into_iter()
            .map(|p| p.into_iter().map(f64::from).collect())
            .collect();
        history.save_curves(&place.dir)?;
        history.save_json(&place.dir.join("history.json"))?;
        if self.save_models {
            model.save(&place.dir.join("model"))?;
        }
        let scored_fold = match place.protocol {
            Protocol::Honest => None,
            Protocol::Paper => Some(self.scored_fold_curve(place, train, test, cache)?),
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
