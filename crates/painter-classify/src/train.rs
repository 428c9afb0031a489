//! Training: cross-entropy (optionally class-weighted), AdamW or SGD, augmentation, frozen /
//! fine-tuned / later-unfrozen encoder, early stopping on the validation loss with the best epoch's
//! weights restored. Seeded and deterministic on the CPU.

use crate::cache::FeatureCache;
use crate::classifier::PainterClassifier;
use crate::error::{ClassifyError, Result};
use crate::extractor::FeatureExtractor;
use crate::history::{TrainingEpoch, TrainingHistory};
use crate::images::{augmentation, load_images, load_labels};
use crate::init::derive_seed;
use crate::loss::cross_entropy;
use crate::train_config::{ClassWeights, EncoderTraining, TrainConfig};
use candle_core::{Tensor, Var};
use candle_nn::Optimizer as _;
use painter_data::{Augmentation, Dataset};
use painter_train::Optimizer;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

/// Splits `indices` into (train, validation), holding out `fraction` of every class (stratified,
/// seeded). Classes with a single sample stay in training.
pub fn stratified_split(
    dataset: &dyn Dataset,
    indices: &[usize],
    fraction: f64,
    seed: u64,
) -> Result<(Vec<usize>, Vec<usize>)> {
    if fraction <= 0.0 {
        return Ok((indices.to_vec(), Vec::new()));
    }
    let mut by_class: std::collections::BTreeMap<Option<usize>, Vec<usize>> = Default::default();
    for &i in indices {
        by_class.entry(dataset.label(i)?).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(seed, 0x5917_u64));
    let (mut train, mut val) = (Vec::new(), Vec::new());
    for (_, mut members) in by_class {
        members.shuffle(&mut rng);
        let n = members.len();
        let k = ((n as f64 * fraction).round() as usize).min(n.saturating_sub(1));
        val.extend_from_slice(&members[..k]);
        train.extend_from_slice(&members[k..]);
    }
    train.sort_unstable();
    val.sort_unstable();
    Ok((train, val))
}

/// The per-class loss weights for `cfg` and the training labels.
pub fn class_weights(
    cfg: &ClassWeights,
    labels: &[u32],
    num_classes: usize,
) -> Result<Option<Vec<f32>>> {
    match cfg {
        ClassWeights::Uniform => Ok(None),
        ClassWeights::Manual(w) => {
            if w.len() != num_classes {
                return Err(ClassifyError::ClassCountMismatch {
                    expected: num_classes,
                    found: w.len(),
                });
            }
            Ok(Some(w.clone()))
        }
        ClassWeights::Balanced => {
            let mut counts = vec![0usize; num_classes];
            for &l in labels {
                if let Some(c) = counts.get_mut(l as usize) {
                    *c += 1;
                }
            }
            let n = labels.len() as f32;
            Ok(Some(
                counts
                    .iter()
                    .map(|&c| {
                        if c == 0 {
                            0.0
                        } else {
                            n / (num_classes as f32 * c as f32)
                        }
                    })
                    .collect(),
            ))
        }
    }
}

fn argmax_rows(logits: &Tensor) -> Result<Vec<u32>> {
    Ok(logits.argmax(1)?.to_vec1::<u32>()?)
}

fn snapshot(vars: &[Var]) -> Result<Vec<Tensor>> {
    Ok(vars
        .iter()
        .map(|v| v.as_tensor().copy())
        .collect::<candle_core::Result<_>>()?)
}

fn restore(vars: &[Var], values: &[Tensor]) -> Result<()> {
    for (v, t) in vars.iter().zip(values) {
        v.set(t)?;
    }
    Ok(())
}

impl<E: FeatureExtractor> PainterClassifier<E> {
    /// Trains the head (and, per `config.encoder`, the encoder) on dataset samples `train`, validating
    /// on `validation` (or on a stratified `config.validation_fraction` of `train` when `None`).
    ///
    /// `cache` may hold precomputed frozen features for all of these indices (see
    /// [`PainterClassifier::feature_cache`]); when `None` and `config.cache` is not `Off`, a cache is
    /// built here for the epochs in which the encoder is frozen. After training the model holds the
    /// weights of the epoch with the lowest validation loss.
    pub fn fit(
        &self,
        dataset: &dyn Dataset,
        train: &[usize],
        validation: Option<&[usize]>,
        config: &TrainConfig,
        cache: Option<&FeatureCache>,
    ) -> Result<TrainingHistory> {
        config.validate()?;
        let k = self.class_names().len();
        if dataset.class_names().len() != k {
            return Err(ClassifyError::ClassCountMismatch {
                expected: k,
                found: dataset.class_names().len(),
            });
        }
        let (train, val) = match validation {
            Some(v) => (train.to_vec(), v.to_vec()),
            None => stratified_split(dataset, train, config.validation_fraction, config.seed)?,
        };
        if train.is_empty() {
            return Err(ClassifyError::Empty("no training sample".into()));
        }
        let train_labels = load_labels(dataset, &train, k)?;
        let val_labels = load_labels(dataset, &val, k)?;
        let weights = class_weights(&config.class_weights, &train_labels, k)?
            .map(|w| Tensor::new(w.as_slice(), self.device()))
            .transpose()?;
        let aug = augmentation(&config.augment, config.seed)?;
        let aug_dyn: Option<&dyn Augmentation> = aug.as_ref().map(|a| a as &dyn Augmentation);

        // Frozen epochs read features from a cache; build one if none was given.
        let any_frozen = !matches!(config.encoder, EncoderTraining::FineTune { .. });
        let own_cache;
        let cache = match cache {
            Some(c) => Some(c),
            None if any_frozen => {
                let mut all = train.clone();
                all.extend_from_slice(&val);
                own_cache = self.feature_cache(dataset, &all, config)?;
                own_cache.as_ref()
            }
            None => None,
        };
        if let Some(c) = cache {
            if let Some(&i) = train.iter().chain(&val).find(|&&i| !c.contains(i)) {
                return Err(ClassifyError::NotCached {
                    sample: i,
                    view: None,
                });
            }
        }

        let head_vars = self.head_vars()?;
        let enc_vars = self.encoder().vars();
        let encoder_ever_trained = config.encoder.learning_rate().is_some();
        let mut head_opt = Optimizer::new(head_vars.clone(), config.optimizer)?;
        let mut enc_opt: Option<Optimizer> = None;

        let mut history = TrainingHistory {
            train_samples: train.len(),
            validation_samples: val.len(),
            ..Default::default()
        };
        let mut best: Option<(f64, usize, Vec<Tensor>, Vec<Tensor>)> = None;
        let mut since_best = 0usize;

        for epoch in 1..=config.epochs {
            let started = Instant::now();
            let train_enc = config.encoder.trains_encoder(epoch);
            if train_enc && enc_opt.is_none() {
                let lr = config
                    .encoder
                    .learning_rate()
                    .unwrap_or(config.optimizer.base_lr());
                enc_opt = Some(Optimizer::new(
                    enc_vars.clone(),
                    config.optimizer.with_lr(lr),
                )?);
            }
            head_opt.set_learning_rate(config.optimizer.lr_at(epoch - 1));
            if let Some(o) = enc_opt.as_mut() {
                o.set_learning_rate(o.config().lr_at(epoch - 1));
            }
            let use_cache = cache.filter(|_| !train_enc);
            let mut rng = ChaCha8Rng::seed_from_u64(derive_seed(config.seed, 1_000 + epoch as u64));
            let mut order: Vec<usize> = (0..train.len()).collect();
            order.shuffle(&mut rng);
            let bar = crate::progress::bar(
                order.len(),
                &format!("epoch {epoch}/{}", config.epochs),
                config.verbose,
            );
            let (mut loss_sum, mut correct) = (0f64, 0usize);
            for chunk in order.chunks(config.batch_size) {
                let idx: Vec<usize> = chunk.iter().map(|&p| train[p]).collect();
                let labels: Vec<u32> = chunk.iter().map(|&p| train_labels[p]).collect();
                let latent = match use_cache {
                    Some(c) => {
                        let views: Vec<usize> = idx
                            .iter()
                            .map(|_| rng.random_range(0..=c.augmented_views()))
                            .collect();
                        c.batch(&idx, &views)?
                    }
                    None => {
                        let images = load_images(
                            dataset,
                            &idx,
                            self.preprocessing(),
                            aug_dyn.map(|a| (a, epoch as u64)),
                        )?;
                        let x = self.preprocessing().to_tensor(images, self.device())?;
                        let z = self.encoder().extract(&x)?;
                        if train_enc {
                            z
                        } else {
                            z.detach()
                        }
                    }
                };
                let targets = Tensor::new(labels.as_slice(), self.device())?;
                let logits = self.head().logits_with_dropout(&latent, &mut rng)?;
                let loss = cross_entropy(&logits, &targets, weights.as_ref())?;
                let grads = loss.backward()?;
                head_opt.step(&grads)?;
                if train_enc {
                    if let Some(o) = enc_opt.as_mut() {
                        o.step(&grads)?;
                    }
                }
                let l = loss.to_scalar::<f32>()? as f64;
                if !l.is_finite() {
                    return Err(ClassifyError::NonFiniteLoss { epoch, loss: l });
                }
                loss_sum += l * idx.len() as f64;
                correct += argmax_rows(&logits)?
                    .iter()
                    .zip(&labels)
                    .filter(|(a, b)| a == b)
                    .count();
                bar.inc(idx.len() as u64);
            }
            bar.finish_and_clear();
            let (val_loss, val_acc) = if val.is_empty() {
                (None, None)
            } else {
                let (l, a) = self.evaluate_indices(
                    dataset,
                    &val,
                    &val_labels,
                    use_cache,
                    config.batch_size,
                )?;
                (Some(l), Some(a))
            };
            let record = TrainingEpoch {
                epoch,
                train_loss: loss_sum / train.len() as f64,
                train_acc: correct as f64 / train.len() as f64,
                val_loss,
                val_acc,
                encoder_trained: train_enc,
                seconds: started.elapsed().as_secs_f64(),
            };
            if config.verbose {
                eprintln!("{}", record.line());
            }
            history.epochs.push(record);
            match val_loss {
                Some(vl) => {
                    let min_delta = config.early_stopping.map_or(0.0, |e| e.min_delta);
                    let improved = best.as_ref().is_none_or(|(b, ..)| vl < b - min_delta);
                    if improved {
                        let enc_snap = if encoder_ever_trained {
                            snapshot(&enc_vars)?
                        } else {
                            Vec::new()
                        };
                        best = Some((vl, epoch, snapshot(&head_vars)?, enc_snap));
                        since_best = 0;
                    } else {
                        since_best += 1;
                        if let Some(es) = config.early_stopping {
                            if since_best >= es.patience {
                                history.stopped_early = epoch < config.epochs;
                                break;
                            }
                        }
                    }
                }
                None => history.best_epoch = Some(epoch),
            }
        }
        if let Some((_, epoch, head_snap, enc_snap)) = best {
            restore(&head_vars, &head_snap)?;
            if !enc_snap.is_empty() {
                restore(&enc_vars, &enc_snap)?;
            }
            history.best_epoch = Some(epoch);
        }
        Ok(history)
    }

    /// Builds the frozen-feature cache `config.cache` describes for dataset samples `indices` (plain
    /// view, plus `config.augment.cached_views` augmented views when augmentation is on). `None` when
    /// the cache is off. Share one cache between the folds of a cross-validation.
    pub fn feature_cache(
        &self,
        dataset: &dyn Dataset,
        indices: &[usize],
        config: &TrainConfig,
    ) -> Result<Option<FeatureCache>> {
        let aug = augmentation(&config.augment, config.seed)?;
        let key = format!("{:?} seed={}", config.augment, config.seed);
        FeatureCache::build(
            self.encoder(),
            self.preprocessing(),
            dataset,
            indices,
            aug.as_ref().map(|a| (a as &dyn Augmentation, key.as_str())),
            config.augment.cached_views,
            &config.cache,
            config.batch_size,
            self.device(),
            config.verbose,
        )
    }

    /// Mean (unweighted) cross-entropy and accuracy on dataset samples `indices` with known `labels`,
    /// without augmentation or dropout; features come from `cache` when given.
    pub fn evaluate_indices(
        &self,
        dataset: &dyn Dataset,
        indices: &[usize],
        labels: &[u32],
        cache: Option<&FeatureCache>,
        batch_size: usize,
    ) -> Result<(f64, f64)> {
        if indices.is_empty() || indices.len() != labels.len() {
            return Err(ClassifyError::Empty(format!(
                "{} samples and {} labels to evaluate",
                indices.len(),
                labels.len()
            )));
        }
        let (mut loss_sum, mut correct) = (0f64, 0usize);
        for (idx, lab) in indices
            .chunks(batch_size.max(1))
            .zip(labels.chunks(batch_size.max(1)))
        {
            let logits = self.logits_for(dataset, idx, cache)?;
            let targets = Tensor::new(lab, self.device())?;
            let loss = cross_entropy(&logits, &targets, None)?.to_scalar::<f32>()? as f64;
            loss_sum += loss * idx.len() as f64;
            correct += argmax_rows(&logits)?
                .iter()
                .zip(lab)
                .filter(|(a, b)| a == b)
                .count();
        }
        Ok((
            loss_sum / indices.len() as f64,
            correct as f64 / indices.len() as f64,
        ))
    }

    /// Logits (no dropout, plain images) for dataset samples `indices`.
    pub(crate) fn logits_for(
        &self,
        dataset: &dyn Dataset,
        indices: &[usize],
        cache: Option<&FeatureCache>,
    ) -> Result<Tensor> {
        let latent = match cache {
            Some(c) if indices.iter().all(|&i| c.contains(i)) => {
                c.batch(indices, &vec![0; indices.len()])?
            }
            _ => {
                let images = load_images(dataset, indices, self.preprocessing(), None)?;
                let x = self.preprocessing().to_tensor(images, self.device())?;
                self.latent(&x)?
            }
        };
        self.head().logits(&latent)
    }

    /// Per-painter probabilities for dataset samples `indices` (plain images), one row per sample.
    pub fn predict_indices(
        &self,
        dataset: &dyn Dataset,
        indices: &[usize],
        cache: Option<&FeatureCache>,
        batch_size: usize,
    ) -> Result<Vec<Vec<f32>>> {
        let mut out = Vec::with_capacity(indices.len());
        for idx in indices.chunks(batch_size.max(1)) {
            let logits = self.logits_for(dataset, idx, cache)?;
            out.extend(candle_nn::ops::softmax_last_dim(&logits)?.to_vec2::<f32>()?);
        }
        Ok(out)
    }
}
