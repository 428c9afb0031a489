//! The cross-validation stage of one draw: stratified K-fold cross-validation of the classifier on
//! the pretrained encoder, and of the colour-histogram baseline on the very same folds.
//!
//! Within a fold nothing of the test images is used for training: the classifier's early-stopping
//! split is carved out of the fold's training part (painter-classify's stratified split). A fold
//! already recorded in `draw-<d>/fold-<k>/result.json` for the same test images is not trained
//! again; each finished fold writes its record, training curves, history and (optionally) model.

use super::state::{fold_dir, FoldRecord};
use super::{HeadChoice, PipelineError, ReproduceOptions};
use crate::baseline::cross_validate_baseline;
use candle_core::Device;
use painter_classify::{
    AugmentConfig, CacheConfig, EarlyStopping, EncoderTraining, FeatureCache, HeadConfig,
    OptimizerConfig, PainterClassifier, Preprocessing, PretrainedEncoder, TrainConfig,
};
use painter_data::labels_of;
use painter_data::Dataset;
use painter_eval::{cross_validate, CrossValidation, CrossValidationConfig, StratifiedKFold};
use std::path::Path;
use std::time::Instant;

/// The outcome of one draw.
#[derive(Debug, Clone)]
pub struct DrawResult {
    /// The draw (from 0).
    pub draw: usize,
    /// The seed of its image selection and folds.
    pub seed: u64,
    /// The true label of every image of the draw.
    pub labels: Vec<usize>,
    /// The classifier's cross-validation (`None` for a baseline-only run).
    pub classifier: Option<CrossValidation>,
    /// The baseline's cross-validation on the same folds.
    pub baseline: CrossValidation,
    /// Folds trained in this run.
    pub trained_folds: usize,
    /// Folds reused from an earlier, interrupted run.
    pub reused_folds: usize,
    /// Seconds spent training the classifier's folds (in this run and, for reused folds, before).
    pub classifier_seconds: f64,
    /// Seconds of the baseline.
    pub baseline_seconds: f64,
}

/// The splitter of draw `draw`: stratified K-fold, shuffled with `seed + draw`.
pub fn splitter(options: &ReproduceOptions, draw: usize) -> Result<StratifiedKFold, PipelineError> {
    Ok(StratifiedKFold::new(options.folds)?.shuffle(options.seed.wrapping_add(draw as u64)))
}

/// The classifier head of a run.
pub fn head_config(
    options: &ReproduceOptions,
    latent: (usize, usize, usize),
    classes: usize,
) -> HeadConfig {
    match options.head {
        HeadChoice::Flatten => HeadConfig::paper(latent, classes),
        // The linear probe has no dense head; this is only reached by callers asking anyway.
        HeadChoice::Pool | HeadChoice::Linear => HeadConfig::pooled(latent, classes),
    }
    .with_dropout(options.dropout)
}

/// The classifier's training settings of a run.
pub fn train_config(options: &ReproduceOptions) -> TrainConfig {
    TrainConfig {
        epochs: options.epochs,
        batch_size: options.batch,
        optimizer: OptimizerConfig::adamw(options.learning_rate),
        encoder: match options.fine_tune {
            Some(learning_rate) => EncoderTraining::FineTune { learning_rate },
            None => EncoderTraining::Frozen,
        },
        class_weights: painter_classify::ClassWeights::Uniform,
        augment: if options.augment {
            AugmentConfig::flip_and_crop()
        } else {
            AugmentConfig::none()
        },
        early_stopping: Some(EarlyStopping {
            patience: options.patience,
            min_delta: 0.0,
        }),
        validation_fraction: options.early_stopping_fraction,
        cache: CacheConfig::Memory { half: false },
        seed: options.seed,
        verbose: options.verbose,
    }
}

fn argmax(p: &[f32]) -> usize {
    p.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| {
            if v > bv {
                (i, v)
            } else {
                (bi, bv)
            }
        })
        .0
}

/// The share of `test` whose prediction equals its label.
pub(super) fn fold_accuracy(test: &[usize], predictions: &[usize], labels: &[usize]) -> f64 {
    let correct = test
        .iter()
        .zip(predictions)
        .filter(|(&i, &p)| labels.get(i) == Some(&p))
        .count();
    correct as f64 / test.len().max(1) as f64
}

/// How many folds of a draw were trained in this run or reused from an earlier one, and the
/// seconds they took (reused folds count their recorded time).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FoldTally {
    /// Folds trained in this run.
    pub trained: usize,
    /// Folds reused from an earlier run.
    pub reused: usize,
    /// Seconds of training and predicting.
    pub seconds: f64,
}

impl FoldTally {
    /// The predictions an earlier run recorded for fold `fold` (from 1) of `draw` with these test
    /// images, counted as reused and reported; `None` when the fold must be computed.
    pub(super) fn reuse(
        &mut self,
        out: &Path,
        (draw, fold, folds): (usize, usize, usize),
        test: &[usize],
        labels: &[usize],
    ) -> Result<Option<Vec<usize>>, PipelineError> {
        let Some(record) = FoldRecord::load_matching(out, draw, fold, test)? else {
            return Ok(None);
        };
        println!(
            "  fold {fold}/{folds}: finished earlier (accuracy {:.4}), reused",
            fold_accuracy(test, &record.predictions, labels)
        );
        self.reused += 1;
        self.seconds += record.seconds;
        Ok(Some(record.predictions))
    }

    /// Counts a fold trained in this run.
    pub(super) fn trained(&mut self, seconds: f64) {
        self.trained += 1;
        self.seconds += seconds;
    }
}

/// Trains and evaluates the classifier of every fold of a draw, resuming finished folds.
struct FoldRunner<'a> {
    options: &'a ReproduceOptions,
    draw: usize,
    dataset: &'a dyn Dataset,
    labels: &'a [usize],
    encoder: &'a PretrainedEncoder,
    head: HeadConfig,
    config: TrainConfig,
    device: &'a Device,
    cache: Option<FeatureCache>,
    folds: usize,
    tally: FoldTally,
}

impl FoldRunner<'_> {
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

    fn run_fold(
        &mut self,
        fold0: usize,
        train: &[usize],
        test: &[usize],
    ) -> Result<Vec<usize>, PipelineError> {
        let out = &self.options.out;
        let fold = fold0 + 1;
        let key = (self.draw, fold, self.folds);
        if let Some(predictions) = self.tally.reuse(out, key, test, self.labels)? {
            return Ok(predictions);
        }
        let started = Instant::now();
        let seed = self.options.seed.wrapping_add(fold0 as u64);
        let size = u32::try_from(self.encoder.config().image_size).map_err(|_| {
            PipelineError::InvalidOption("the encoder's image size is too large".into())
        })?;
        let model = PainterClassifier::new(
            self.fold_encoder()?,
            &self.head,
            self.dataset.class_names().to_vec(),
            Preprocessing::new(size),
            seed,
            self.device,
        )?;
        let frozen = self.config.encoder == EncoderTraining::Frozen;
        if frozen && self.cache.is_none() {
            println!(
                "  computing the frozen encoder's features of the draw's {} images once",
                self.dataset.len()
            );
            let all: Vec<usize> = (0..self.dataset.len()).collect();
            self.cache = model.feature_cache(self.dataset, &all, &self.config)?;
        }
        let cache = if frozen { self.cache.as_ref() } else { None };
        let mut cfg = self.config.clone();
        cfg.seed = seed;
        let history = model.fit(self.dataset, train, None, &cfg, cache)?;
        let probabilities = model.predict_indices(self.dataset, test, cache, cfg.batch_size)?;
        let predictions: Vec<usize> = probabilities.iter().map(|p| argmax(p)).collect();
        let seconds = started.elapsed().as_secs_f64();

        let dir = fold_dir(out, self.draw, fold);
        history.save_curves(&dir)?;
        history.save_json(&dir.join("history.json"))?;
        if self.options.save_models {
            model.save(&dir.join("model"))?;
        }
        println!(
            "  fold {fold}/{}: {} training images ({} of them held out for early stopping), {} test: \
             accuracy {:.4}, best epoch {} of {}, {seconds:.1} s",
            self.folds,
            train.len(),
            history.validation_samples,
            test.len(),
            fold_accuracy(test, &predictions, self.labels),
            history.best_epoch.map_or("-".into(), |e| e.to_string()),
            history.epochs.len()
        );
        FoldRecord::new(
            self.draw,
            fold,
            train.len(),
            test.to_vec(),
            predictions.clone(),
            Some(history),
            seconds,
        )
        .save(out)?;
        self.tally.trained(seconds);
        Ok(predictions)
    }
}

pub(super) fn cv_config(dataset: &dyn Dataset) -> CrossValidationConfig {
    CrossValidationConfig {
        class_names: Some(dataset.class_names().to_vec()),
        labels: Some((0..dataset.class_names().len()).collect()),
        quiet: true,
        ..Default::default()
    }
}

/// The classifier's cross-validation of one draw, and how many folds were trained or reused.
pub struct ClassifierRun {
    /// Per-fold and pooled results.
    pub cv: CrossValidation,
    /// The folds trained and reused, and their seconds (plus any shared feature computation).
    pub tally: FoldTally,
}

/// Cross-validates a dense head (`--head pool` or `flatten`) on `encoder`, frozen or fine-tuned.
fn cross_validate_dense(
    options: &ReproduceOptions,
    draw: usize,
    dataset: &dyn Dataset,
    labels: &[usize],
    split: &StratifiedKFold,
    encoder: &PretrainedEncoder,
    device: &Device,
) -> Result<ClassifierRun, PipelineError> {
    let head = head_config(
        options,
        encoder.config().latent_shape(),
        dataset.class_names().len(),
    );
    let mut runner = FoldRunner {
        options,
        draw,
        dataset,
        labels,
        encoder,
        head,
        config: train_config(options),
        device,
        cache: None,
        folds: options.folds,
        tally: FoldTally::default(),
    };
    let mut model =
        |fold: usize, train: &[usize], test: &[usize]| runner.run_fold(fold, train, test);
    let cv = cross_validate(&mut model, split, labels, &cv_config(dataset))
        .map_err(PipelineError::from_cv)?;
    Ok(ClassifierRun {
        cv,
        tally: runner.tally,
    })
}

/// Runs one draw: the classifier's cross-validation (unless `encoders` is `None`: baseline only)
/// and the baseline's, on the same folds. The linear probe reads every encoder; a dense head
/// starts from the first.
pub fn run_draw(
    options: &ReproduceOptions,
    draw: usize,
    dataset: &dyn Dataset,
    encoders: Option<&[PretrainedEncoder]>,
    device: &Device,
) -> Result<DrawResult, PipelineError> {
    let labels = labels_of(dataset)?;
    let split = splitter(options, draw)?;
    let seed = options.seed.wrapping_add(draw as u64);
    std::fs::create_dir_all(super::state::draw_dir(&options.out, draw))
        .map_err(|e| PipelineError::io(&options.out, e))?;

    let mut classifier = None;
    let (mut trained_folds, mut reused_folds, mut classifier_seconds) = (0, 0, 0.0);
    if let Some(encoders) = encoders {
        let run = if options.head == HeadChoice::Linear {
            super::linear::cross_validate_probe(
                options, draw, dataset, &labels, &split, encoders, device,
            )?
        } else {
            let [encoder] = encoders else {
                return Err(PipelineError::InvalidOption(format!(
                    "a dense head starts from one encoder, not {}",
                    encoders.len()
                )));
            };
            cross_validate_dense(options, draw, dataset, &labels, &split, encoder, device)?
        };
        let cv = run.cv;
        println!(
            "  classifier: accuracy {:.4} +- {:.4} over {} folds, macro F1 {:.4}",
            cv.accuracy.mean, cv.accuracy.std, options.folds, cv.macro_f1.mean
        );
        trained_folds = run.tally.trained;
        reused_folds = run.tally.reused;
        classifier_seconds = run.tally.seconds;
        classifier = Some(cv);
    }

    let started = Instant::now();
    let baseline = cross_validate_baseline(dataset, &split, options.baseline)?;
    let baseline_seconds = started.elapsed().as_secs_f64();
    println!(
        "  baseline ({}): accuracy {:.4} +- {:.4}, macro F1 {:.4}, {baseline_seconds:.1} s",
        options.baseline.describe(),
        baseline.accuracy.mean,
        baseline.accuracy.std,
        baseline.macro_f1.mean
    );
    Ok(DrawResult {
        draw,
        seed,
        labels,
        classifier,
        baseline,
        trained_folds,
        reused_folds,
        classifier_seconds,
        baseline_seconds,
    })
}

/// Whether `dir` holds a finished fold record (for tests and tools).
pub fn fold_finished(out: &Path, draw: usize, fold: usize) -> bool {
    FoldRecord::path(out, draw, fold).is_file()
}
