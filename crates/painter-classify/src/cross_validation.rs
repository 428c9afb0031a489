//! k-fold cross-validation of the classifier through painter-eval: [`FoldTrainer`] trains a fresh
//! classifier per fold (and is painter-eval's [`FoldModel`]: "train on these indices, predict
//! those"), and [`cross_validate_classifier`] runs a whole k-fold evaluation in one call.
//!
//! With a frozen encoder the features of every image are computed once and shared by all folds;
//! every fold gets a fresh head (seed `seed + fold`) and, when the encoder is trained, a fresh copy of
//! the pretrained encoder.

use crate::cache::FeatureCache;
use crate::classifier::PainterClassifier;
use crate::encoder::PretrainedEncoder;
use crate::error::{ClassifyError, Result};
use crate::head_config::HeadConfig;
use crate::history::TrainingHistory;
use crate::preprocess::Preprocessing;
use crate::train_config::{EncoderTraining, TrainConfig};
use candle_core::Device;
use painter_data::Dataset;
use painter_eval::{argmax, CrossValidation, CrossValidationConfig, FoldModel, Splitter};

/// Trains a fresh classifier per fold and predicts the fold's held-out samples.
pub struct FoldTrainer<'a> {
    encoder: PretrainedEncoder,
    head: HeadConfig,
    preprocessing: Preprocessing,
    dataset: &'a dyn Dataset,
    config: TrainConfig,
    device: Device,
    cache: Option<FeatureCache>,
    cache_built: bool,
    histories: Vec<TrainingHistory>,
}

impl std::fmt::Debug for FoldTrainer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoldTrainer")
            .field("head", &self.head)
            .field("config", &self.config)
            .field("folds_done", &self.histories.len())
            .finish()
    }
}

impl<'a> FoldTrainer<'a> {
    /// A fold trainer for `dataset` with the (pretrained) `encoder`, a head shaped by `head` and
    /// training settings `config`. `head.num_classes` must equal the dataset's class count.
    pub fn new(
        encoder: PretrainedEncoder,
        head: HeadConfig,
        preprocessing: Preprocessing,
        dataset: &'a dyn Dataset,
        config: TrainConfig,
        device: &Device,
    ) -> Result<Self> {
        head.validate()?;
        config.validate()?;
        preprocessing.validate()?;
        if head.num_classes != dataset.class_names().len() {
            return Err(ClassifyError::ClassCountMismatch {
                expected: head.num_classes,
                found: dataset.class_names().len(),
            });
        }
        Ok(Self {
            encoder,
            head,
            preprocessing,
            dataset,
            config,
            device: device.clone(),
            cache: None,
            cache_built: false,
            histories: Vec::new(),
        })
    }

    /// The training history of every fold [`FoldModel::fit_predict`] ran so far.
    pub fn histories(&self) -> &[TrainingHistory] {
        &self.histories
    }

    /// Whether the next [`FoldTrainer::fit`] will first compute the frozen encoder's features of
    /// every sample (shared by all folds from then on).
    pub fn features_pending(&self) -> bool {
        self.shares_features() && !self.cache_built
    }

    /// Whether the folds share one cache of the encoder's features: unless the encoder is
    /// fine-tuned from the first epoch.
    fn shares_features(&self) -> bool {
        !matches!(self.config.encoder, EncoderTraining::FineTune { .. })
    }

    /// A fresh classifier for a fold: the pretrained encoder (its own copy when training will
    /// change it) and a head initialized with `seed`.
    pub fn fresh_classifier(&self, seed: u64) -> Result<PainterClassifier<PretrainedEncoder>> {
        PainterClassifier::new(
            self.fold_encoder()?,
            &self.head,
            self.dataset.class_names().to_vec(),
            self.preprocessing,
            seed,
            &self.device,
        )
    }

    /// Trains a fresh classifier (see [`FoldTrainer::fresh_classifier`]) on the samples `train`
    /// with the fold's `seed`, and returns it with its history.
    ///
    /// Without `scored` samples, early stopping (when configured) watches a stratified part of
    /// `train`. With them, training runs every epoch and records their accuracy after each as the
    /// history's validation figures: the scored samples choose nothing.
    pub fn fit(
        &mut self,
        seed: u64,
        train: &[usize],
        scored: Option<&[usize]>,
    ) -> Result<(PainterClassifier<PretrainedEncoder>, TrainingHistory)> {
        let model = self.fresh_classifier(seed)?;
        if self.features_pending() {
            let all: Vec<usize> = (0..self.dataset.len()).collect();
            self.cache = model.feature_cache(self.dataset, &all, &self.config)?;
            self.cache_built = true;
        }
        let config = TrainConfig {
            seed,
            early_stopping: match scored {
                Some(_) => None,
                None => self.config.early_stopping,
            },
            ..self.config.clone()
        };
        let history = model.fit(self.dataset, train, scored, &config, self.cache.as_ref())?;
        Ok((model, history))
    }

    /// The class probabilities of the samples `samples` by `model` (one that
    /// [`FoldTrainer::fit`] returned), one row per sample.
    pub fn predict(
        &self,
        model: &PainterClassifier<PretrainedEncoder>,
        samples: &[usize],
    ) -> Result<Vec<Vec<f32>>> {
        let cache = match self.config.encoder {
            EncoderTraining::Frozen => self.cache.as_ref(),
            _ => None,
        };
        model.predict_indices(self.dataset, samples, cache, self.config.batch_size)
    }

    fn fold_encoder(&self) -> Result<PretrainedEncoder> {
        if self.config.encoder == EncoderTraining::Frozen {
            return Ok(self.encoder.clone());
        }
        // The encoder will change: give the fold its own copy of the pretrained weights.
        let named: std::collections::HashMap<String, candle_core::Tensor> =
            self.encoder.named_tensors_copied()?.into_iter().collect();
        PretrainedEncoder::from_tensors(
            self.encoder.config(),
            |n| named.get(n).cloned(),
            &self.device,
        )
    }
}

impl FoldModel for FoldTrainer<'_> {
    type Error = ClassifyError;

    /// Trains fold `fold`'s classifier (seed: the configured seed plus `fold`) on `train` and
    /// predicts the painters of `test`.
    fn fit_predict(&mut self, fold: usize, train: &[usize], test: &[usize]) -> Result<Vec<usize>> {
        let seed = self.config.seed.wrapping_add(fold as u64);
        let (model, history) = self.fit(seed, train, None)?;
        if self.config.verbose {
            if let Some(b) = history.best() {
                eprintln!("fold {fold}: restored {}", b.line());
            }
        }
        self.histories.push(history);
        let probabilities = self.predict(&model, test)?;
        Ok(probabilities
            .iter()
            .map(|p| argmax(p).unwrap_or(0))
            .collect())
    }
}

/// Runs k-fold cross-validation of the classifier over the whole `dataset` with `splitter`
/// (e.g. painter-eval's `StratifiedKFold`) in one call; returns painter-eval's result (per-fold and
/// pooled classification reports) and every fold's training history.
pub fn cross_validate_classifier<S: Splitter + ?Sized>(
    encoder: PretrainedEncoder,
    head: HeadConfig,
    preprocessing: Preprocessing,
    dataset: &dyn Dataset,
    config: TrainConfig,
    splitter: &S,
    device: &Device,
) -> Result<(CrossValidation, Vec<TrainingHistory>)> {
    let y = (0..dataset.len())
        .map(|i| {
            dataset.label(i)?.ok_or_else(|| ClassifyError::BadLabel {
                index: i,
                message: "the sample has no label".into(),
            })
        })
        .collect::<Result<Vec<usize>>>()?;
    let cv_config = CrossValidationConfig {
        class_names: Some(dataset.class_names().to_vec()),
        labels: Some((0..dataset.class_names().len()).collect()),
        quiet: !config.verbose,
        ..Default::default()
    };
    let mut trainer = FoldTrainer::new(encoder, head, preprocessing, dataset, config, device)?;
    let cv = painter_eval::cross_validate(&mut trainer, splitter, &y, &cv_config)?;
    Ok((cv, trainer.histories))
}
