//! k-fold cross-validation of the classifier through painter-eval: [`FoldTrainer`] implements
//! [`painter_eval::FoldModel`] ("train on these indices, predict those"), and
//! [`cross_validate_classifier`] runs a whole k-fold evaluation in one call.
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
use painter_eval::{CrossValidation, CrossValidationConfig, FoldModel, Splitter};

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

    /// The training history of every fold run so far.
    pub fn histories(&self) -> &[TrainingHistory] {
        &self.histories
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

    fn fit_predict(&mut self, fold: usize, train: &[usize], test: &[usize]) -> Result<Vec<usize>> {
        let encoder = self.fold_encoder()?;
        let model = PainterClassifier::new(
            encoder,
            &self.head,
            self.dataset.class_names().to_vec(),
            self.preprocessing,
            self.config.seed.wrapping_add(fold as u64),
            &self.device,
        )?;
        let uses_cache = !matches!(self.config.encoder, EncoderTraining::FineTune { .. });
        if uses_cache && !self.cache_built {
            let all: Vec<usize> = (0..self.dataset.len()).collect();
            self.cache = model.feature_cache(self.dataset, &all, &self.config)?;
            self.cache_built = true;
        }
        let mut cfg = self.config.clone();
        cfg.seed = self.config.seed.wrapping_add(fold as u64);
        let history = model.fit(self.dataset, train, None, &cfg, self.cache.as_ref())?;
        if self.config.verbose {
            if let Some(b) = history.best() {
                eprintln!("fold {fold}: restored {}", b.line());
            }
        }
        self.histories.push(history);
        let predict_cache = if self.config.encoder == EncoderTraining::Frozen {
            self.cache.as_ref()
        } else {
            None
        };
        let probs =
            model.predict_indices(self.dataset, test, predict_cache, self.config.batch_size)?;
        Ok(probs
            .iter()
            .map(|p| {
                p.iter()
                    .enumerate()
                    .fold(
                        (0, f32::MIN),
                        |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) },
                    )
                    .0
            })
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
    let cv = painter_eval::cross_validate(&mut trainer, splitter, &y, &cv_config)
        .map_err(|e| ClassifyError::CrossValidation(e.to_string()))?;
    Ok((cv, trainer.histories))
}
