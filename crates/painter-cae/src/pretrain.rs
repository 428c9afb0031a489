//! Pretraining the autoencoder: MSE between the reconstruction of pixel-dropped images and the clean
//! images, SGD or AdamW, a validation split, early stopping, and a resumable checkpoint per epoch.
//!
//! # Output folder
//!
//! ```text
//! out/
//!   checkpoints/epoch-0007/   model.safetensors, config.json, optimizer.safetensors, state.json
//!   checkpoints/LATEST        the name of the newest complete epoch folder
//!   best/                     model.safetensors, config.json of the best epoch (validation MSE)
//!   loss.png                  train and validation MSE per epoch
//!   reconstructions.png       validation originals above their reconstructions
//!   metrics.csv               epoch,train_mse,val_mse,lr,seconds
//! ```
//!
//! Every file is written atomically, and `LATEST` is switched only after its epoch folder is
//! complete, so a run killed at any point resumes (`resume = true`) from the last complete epoch.
//!
//! # Reproducibility
//!
//! Every random choice is a pure function of the seed and the epoch: the parameter initialization
//! ([`crate::init_parameters`]), the validation split, the batch order of each epoch
//! ([`painter_data::Batcher`]) and each epoch's pixel-dropout masks
//! ([`painter_data::PixelDropout`]). The random state to save is therefore just `(seed, epoch)`,
//! and a resumed run computes the same next epoch as an uninterrupted one.

use crate::epoch::PretrainEpoch;
use crate::figures::{write_loss_chart, write_reconstructions};
use crate::{Cae, CaeCheckpoint, CaeConfig, CaeError, Optimizer, OptimizerConfig};
use candle_core::{DType, Device};
use candle_nn::Optimizer as _;
use candle_nn::{VarBuilder, VarMap};
use indicatif::ProgressBar;
use painter_data::batcher::{Batcher, BatcherConfig, LastBatch};
use painter_data::InMemoryDataset;
use painter_data::{Dataset, PixelDropout};
use painter_io::{read_document, write_atomic, write_json, FileError, Format};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The settings of a pretraining run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainConfig {
    /// The largest number of epochs to run (in total, counting those of a resumed run).
    pub epochs: usize,
    /// Images per mini-batch.
    pub batch_size: usize,
    /// The optimizer and its learning-rate schedule.
    pub optimizer: OptimizerConfig,
    /// The fraction of pixels zeroed in every training input, redrawn each epoch (the paper: 0.2).
    pub pixel_dropout: f64,
    /// The fraction of the images held out for validation, in `[0, 1)`; 0 monitors the train MSE.
    pub val_fraction: f64,
    /// Stop after this many epochs without improvement of the monitored MSE (`None`: never).
    pub patience: Option<usize>,
    /// The smallest decrease of the monitored MSE that counts as an improvement.
    pub min_delta: f64,
    /// The seed of the initialization, the split, the batch order and the dropout masks.
    pub seed: u64,
    /// Decode the dataset once into memory before training (else every epoch reads it again).
    pub preload: bool,
    /// Show progress bars and print the per-epoch line.
    pub progress: bool,
    /// How many validation images `reconstructions.png` shows.
    pub figure_images: usize,
}

impl Default for PretrainConfig {
    fn default() -> Self {
        Self {
            epochs: 50,
            batch_size: 16,
            optimizer: OptimizerConfig::paper_sgd(),
            pixel_dropout: 0.2,
            val_fraction: 0.1,
            patience: Some(5),
            min_delta: 0.0,
            seed: 0,
            preload: true,
            progress: true,
            figure_images: 8,
        }
    }
}

impl PretrainConfig {
    /// Checks every setting.
    pub fn validate(&self) -> Result<(), CaeError> {
        let bad = |m: String| Err(CaeError::InvalidConfig(m));
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.batch_size == 0 {
            return bad("batch_size must be at least 1".into());
        }
        for (name, value) in [
            ("pixel_dropout", self.pixel_dropout),
            ("val_fraction", self.val_fraction),
        ] {
            if !(0.0..1.0).contains(&value) {
                return bad(format!("{name} must lie in [0, 1), got {value}"));
            }
        }
        if !(self.min_delta.is_finite() && self.min_delta >= 0.0) {
            return bad(format!("min_delta must be >= 0, got {}", self.min_delta));
        }
        Ok(self.optimizer.validate()?)
    }

    /// Whether a run with these settings can continue one started with `saved`: everything that
    /// shapes the computed epochs must agree (epochs, patience, progress, preloading and figures
    /// may change). Returns the first difference.
    fn resume_difference(&self, saved: &PretrainConfig) -> Option<String> {
        fn differs<T: PartialEq + Debug>(name: &str, now: &T, saved: &T) -> Option<String> {
            (now != saved).then(|| format!("{name} {now:?} vs saved {saved:?}"))
        }
        differs("batch_size", &self.batch_size, &saved.batch_size)
            .or_else(|| differs("optimizer", &self.optimizer, &saved.optimizer))
            .or_else(|| differs("pixel_dropout", &self.pixel_dropout, &saved.pixel_dropout))
            .or_else(|| differs("val_fraction", &self.val_fraction, &saved.val_fraction))
            .or_else(|| differs("seed", &self.seed, &saved.seed))
    }
}

/// Why a pretraining run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// All configured epochs ran.
    Completed,
    /// The monitored MSE did not improve for `patience` epochs.
    EarlyStopped,
}

/// What [`pretrain`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct PretrainReport {
    /// Every epoch so far, including those of the run resumed from.
    pub history: Vec<PretrainEpoch>,
    /// The epoch (from 1) with the lowest monitored MSE.
    pub best_epoch: Option<usize>,
    /// That MSE (validation, or training without a validation split).
    pub best_mse: Option<f64>,
    /// The folder holding the best model (`model.safetensors`, `config.json`).
    pub best_checkpoint: Option<PathBuf>,
    /// The newest complete epoch checkpoint (with optimizer and training state).
    pub last_checkpoint: Option<PathBuf>,
    /// Why the run ended.
    pub stop_reason: StopReason,
    /// The epoch resumed after, if the run was resumed.
    pub resumed_from: Option<usize>,
    /// Training and validation images used.
    pub split: (usize, usize),
}

/// Everything needed to continue a run, saved with every epoch checkpoint as `state.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TrainingState {
    format: String,
    /// Completed epochs.
    epoch: usize,
    pretrain: PretrainConfig,
    optimizer_steps: u64,
    history: Vec<PretrainEpoch>,
    best_epoch: Option<usize>,
    best_mse: Option<f64>,
    epochs_without_improvement: usize,
    dataset_len: usize,
    val_indices: Vec<usize>,
    stop_reason: Option<StopReason>,
}

const STATE_FORMAT: Format = Format::tag("deep-painter-cae-pretrain/1");
const STATE_FILE: &str = "state.json";
const OPTIMIZER_FILE: &str = "optimizer.safetensors";
const LATEST_FILE: &str = "LATEST";
const CHECKPOINTS_DIR: &str = "checkpoints";
const BEST_DIR: &str = "best";

/// The validation indices of a dataset of `n` images: a seeded shuffle's first
/// `round(n * fraction)` (at least 1 when the fraction is positive and `n >= 2`), sorted.
pub fn validation_split(n: usize, fraction: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    let mut key = [0u8; 32];
    key[0..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(b"valsplit");
    order.shuffle(&mut ChaCha8Rng::from_seed(key));
    let mut n_val = (n as f64 * fraction).round() as usize;
    if fraction > 0.0 && n >= 2 {
        n_val = n_val.max(1);
    }
    n_val = n_val.min(n.saturating_sub(1));
    let mut val = order[..n_val].to_vec();
    let mut train = order[n_val..].to_vec();
    val.sort_unstable();
    train.sort_unstable();
    (train, val)
}

/// The mean squared reconstruction error of `cae` over the samples `indices` of `dataset` (clean
/// inputs), computed in batches of `batch_size` on `device`.
pub fn evaluate_mse(
    cae: &Cae,
    dataset: &dyn Dataset,
    indices: &[usize],
    batch_size: usize,
    device: &Device,
) -> Result<f64, CaeError> {
    if indices.is_empty() {
        return Err(CaeError::NoImages("no images to evaluate"));
    }
    let batcher = Batcher::new(
        dataset,
        BatcherConfig {
            batch_size: batch_size.max(1),
            shuffle: false,
            seed: 0,
            last_batch: LastBatch::Keep,
        },
        device.clone(),
    )?
    .with_indices(indices.to_vec())?;
    let mut sum = 0f64;
    let mut count = 0usize;
    for batch in batcher.epoch(0) {
        let batch = batch?;
        let loss = cae
            .mse(&batch, &batch)?
            .to_dtype(DType::F64)?
            .to_scalar::<f64>()?;
        sum += loss * batch.len() as f64;
        count += batch.len();
    }
    Ok(sum / count as f64)
}

fn progress_bar(len: usize, prefix: String, visible: bool) -> ProgressBar {
    let template = "{prefix} {wide_bar} {pos}/{len} [{elapsed_precise}<{eta_precise}] {msg}";
    let bar = painter_data::progress_bar(len, visible, template);
    bar.set_prefix(prefix);
    bar
}

fn epoch_dir_name(epoch: usize) -> String {
    format!("epoch-{epoch:04}")
}

/// The newest complete epoch checkpoint under `out_dir`, if any.
fn latest_checkpoint(out_dir: &Path) -> Result<Option<PathBuf>, CaeError> {
    let ckpts = out_dir.join(CHECKPOINTS_DIR);
    let latest = ckpts.join(LATEST_FILE);
    if !latest.exists() {
        return Ok(None);
    }
    let name = std::fs::read_to_string(&latest).map_err(FileError::at(&latest))?;
    let name = name.trim();
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return Err(CaeError::checkpoint(
            &latest,
            format!("bad checkpoint name `{name}`"),
        ));
    }
    Ok(Some(ckpts.join(name)))
}

/// Removes epoch folders older than `keep_from` (the previous complete one stays as a fallback).
fn prune_checkpoints(out_dir: &Path, keep_from: usize) {
    let ckpts = out_dir.join(CHECKPOINTS_DIR);
    let Ok(entries) = std::fs::read_dir(&ckpts) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(num) = name
            .strip_prefix("epoch-")
            .and_then(|n| n.parse::<usize>().ok())
        {
            if num < keep_from {
                // Best effort: an old folder left behind costs disk space, not correctness.
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
}

fn write_metrics_csv(path: &Path, history: &[PretrainEpoch]) -> Result<(), CaeError> {
    let mut text = String::from("epoch,train_mse,val_mse,lr,seconds\n");
    for r in history {
        let val = r.val_mse.map_or_else(String::new, |v| format!("{v}"));
        text.push_str(&format!(
            "{},{},{},{},{:.3}\n",
            r.epoch, r.train_mse, val, r.lr, r.seconds
        ));
    }
    Ok(write_atomic(path, text.as_bytes())?)
}

/// Pretrains a convolutional autoencoder of architecture `cae_config` on the images of `dataset`
/// (labels, if any, are ignored), writing checkpoints and figures to `out_dir` (see the module
/// documentation for its layout).
///
/// With `resume`, a run found in `out_dir` continues after its newest complete epoch (its
/// architecture and the settings that shape the computation must match; `epochs` and `patience`
/// may change); with no run there, training starts afresh. Without `resume`, an `out_dir` that
/// already holds a run is refused rather than overwritten.
///
/// A NaN or infinite loss stops the run with [`CaeError::NonFiniteLoss`]; the checkpoints of the
/// epochs before it are kept.
pub fn pretrain(
    cae_config: &CaeConfig,
    config: &PretrainConfig,
    dataset: &dyn Dataset,
    device: &Device,
    out_dir: &Path,
    resume: bool,
) -> Result<PretrainReport, CaeError> {
    cae_config.validate()?;
    config.validate()?;
    if dataset.image_size() as usize != cae_config.image_size {
        return Err(CaeError::Input(format!(
            "the dataset's images are {0}x{0} but the model expects {1}x{1}",
            dataset.image_size(),
            cae_config.image_size
        )));
    }
    let n = dataset.len();
    if n == 0 {
        return Err(CaeError::NoImages("the dataset holds no image"));
    }
    let (train_idx, val_idx) = validation_split(n, config.val_fraction, config.seed);

    // A fresh model and optimizer, or the state of the run being resumed.
    let previous = latest_checkpoint(out_dir)?;
    let varmap;
    let mut state;
    let mut optimizer;
    let resumed_from;
    match (&previous, resume) {
        (Some(dir), true) => {
            let saved_cfg = CaeCheckpoint::load_config(dir)?;
            if &saved_cfg != cae_config {
                return Err(CaeError::ResumeMismatch {
                    path: dir.clone(),
                    message: format!("architecture {saved_cfg:?} vs requested {cae_config:?}"),
                });
            }
            let saved: TrainingState = read_document(&dir.join(STATE_FILE), &[STATE_FORMAT])?;
            if let Some(diff) = config.resume_difference(&saved.pretrain) {
                return Err(CaeError::ResumeMismatch {
                    path: dir.clone(),
                    message: diff,
                });
            }
            if saved.dataset_len != n || saved.val_indices != val_idx {
                return Err(CaeError::ResumeMismatch {
                    path: dir.clone(),
                    message: format!(
                        "the dataset has {n} images, the checkpoint was trained on {} (or a different split)",
                        saved.dataset_len
                    ),
                });
            }
            let (_, vm) = CaeCheckpoint::load(dir, device)?;
            varmap = vm;
            optimizer = Optimizer::from_varmap(&varmap, config.optimizer)?;
            optimizer.load_state(&dir.join(OPTIMIZER_FILE), saved.optimizer_steps, device)?;
            resumed_from = Some(saved.epoch);
            state = saved;
            state.pretrain = config.clone();
        }
        (Some(dir), false) => {
            return Err(CaeError::RunExists {
                dir: out_dir.to_path_buf(),
                checkpoint: dir.clone(),
            })
        }
        (None, _) => {
            varmap = VarMap::new();
            crate::init_parameters(cae_config, &varmap, config.seed, device)?;
            optimizer = Optimizer::from_varmap(&varmap, config.optimizer)?;
            resumed_from = None;
            state = TrainingState {
                format: STATE_FORMAT.name.into(),
                epoch: 0,
                pretrain: config.clone(),
                optimizer_steps: 0,
                history: Vec::new(),
                best_epoch: None,
                best_mse: None,
                epochs_without_improvement: 0,
                dataset_len: n,
                val_indices: val_idx.clone(),
                stop_reason: None,
            };
        }
    }
    let cae = Cae::new(
        cae_config,
        VarBuilder::from_varmap(&varmap, DType::F32, device),
    )?;

    // The data: decoded once into memory if asked, batched by seeded plans.
    let preloaded;
    let data: &dyn Dataset = if config.preload {
        preloaded = InMemoryDataset::load(dataset, config.progress)?;
        &preloaded
    } else {
        dataset
    };
    let train_batcher = Batcher::new(
        data,
        BatcherConfig {
            batch_size: config.batch_size,
            shuffle: true,
            seed: config.seed,
            last_batch: LastBatch::Keep,
        },
        device.clone(),
    )?
    .with_indices(train_idx.clone())?;
    let dropout = if config.pixel_dropout > 0.0 {
        Some(PixelDropout::new(config.pixel_dropout, config.seed)?)
    } else {
        None
    };
    let figure_idx: Vec<usize> = if val_idx.is_empty() {
        &train_idx
    } else {
        &val_idx
    }
    .iter()
    .copied()
    .take(config.figure_images)
    .collect();
    let figure_batch = if figure_idx.is_empty() {
        None
    } else {
        let b = Batcher::new(
            data,
            BatcherConfig {
                batch_size: figure_idx.len(),
                shuffle: false,
                seed: 0,
                last_batch: LastBatch::Keep,
            },
            device.clone(),
        )?
        .with_indices(figure_idx.clone())?;
        Some(b.load_batch(&figure_idx, 0)?)
    };

    let ckpt_root = out_dir.join(CHECKPOINTS_DIR);
    let best_dir = out_dir.join(BEST_DIR);
    let mut last_checkpoint = previous.filter(|_| resume);
    let already_stopped = state.stop_reason == Some(StopReason::EarlyStopped)
        && config
            .patience
            .is_some_and(|p| state.epochs_without_improvement >= p);

    if config.progress {
        println!(
            "pretraining: {} training / {} validation images of {}x{}, {} parameters, optimizer {}, from epoch {}",
            train_idx.len(),
            val_idx.len(),
            cae_config.image_size,
            cae_config.image_size,
            cae_config.parameter_count(),
            config.optimizer.name(),
            state.epoch + 1
        );
    }

    let mut stop_reason = StopReason::Completed;
    if already_stopped {
        stop_reason = StopReason::EarlyStopped;
    }
    while !already_stopped && state.epoch < config.epochs {
        let epoch0 = state.epoch; // 0-based index of the epoch being run
        let epoch = epoch0 + 1;
        let lr = config.optimizer.lr_at(epoch0);
        optimizer.set_learning_rate(lr);
        let started = Instant::now();

        let bar = progress_bar(
            train_batcher.num_batches(),
            format!("epoch {epoch}/{}", config.epochs),
            config.progress,
        );
        let mut sum = 0f64;
        let mut count = 0usize;
        for (b, item) in train_batcher.epoch_indexed(epoch0 as u64).enumerate() {
            let (indices, batch) = item?;
            let input = match &dropout {
                Some(d) => d.apply_batch(&batch, &indices, epoch0 as u64)?,
                None => batch.clone(),
            };
            let loss = cae.mse(&input, &batch)?;
            let value = loss.to_dtype(DType::F32)?.to_scalar::<f32>()?;
            if !value.is_finite() {
                bar.abandon();
                return Err(CaeError::NonFiniteLoss {
                    epoch,
                    batch: b,
                    loss: value,
                    last_good: last_checkpoint.clone(),
                });
            }
            let grads = loss.backward()?;
            optimizer.update(&grads)?;
            sum += f64::from(value) * batch.len() as f64;
            count += batch.len();
            bar.inc(1);
            bar.set_message(format!("mse {:.5}", sum / count as f64));
        }
        bar.finish_and_clear();
        let train_mse = sum / count.max(1) as f64;
        let val_mse = if val_idx.is_empty() {
            None
        } else {
            let v = evaluate_mse(&cae, data, &val_idx, config.batch_size, device)?;
            if !v.is_finite() {
                return Err(CaeError::NonFiniteLoss {
                    epoch,
                    batch: 0,
                    loss: v as f32,
                    last_good: last_checkpoint.clone(),
                });
            }
            Some(v)
        };
        let record = PretrainEpoch {
            epoch,
            train_mse,
            val_mse,
            lr,
            seconds: started.elapsed().as_secs_f64(),
        };
        if config.progress {
            println!("{}", record.line());
        }
        state.history.push(record);

        // Early stopping bookkeeping and the best model.
        let monitored = val_mse.unwrap_or(train_mse);
        let improved = state
            .best_mse
            .is_none_or(|b| monitored < b - config.min_delta);
        if improved {
            state.best_mse = Some(monitored);
            state.best_epoch = Some(epoch);
            state.epochs_without_improvement = 0;
            CaeCheckpoint::save(&best_dir, cae_config, &varmap)?;
        } else {
            state.epochs_without_improvement += 1;
        }
        state.epoch = epoch;
        state.optimizer_steps = optimizer.steps();
        let stop_now = config
            .patience
            .is_some_and(|p| state.epochs_without_improvement >= p);
        if stop_now {
            state.stop_reason = Some(StopReason::EarlyStopped);
        }

        // The epoch checkpoint, then the switch of LATEST to it.
        let dir = ckpt_root.join(epoch_dir_name(epoch));
        CaeCheckpoint::save(&dir, cae_config, &varmap)?;
        optimizer.save_state(&dir.join(OPTIMIZER_FILE))?;
        write_json(&dir.join(STATE_FILE), &state)?;
        let latest = ckpt_root.join(LATEST_FILE);
        write_atomic(&latest, epoch_dir_name(epoch).as_bytes())?;
        last_checkpoint = Some(dir);
        prune_checkpoints(out_dir, epoch.saturating_sub(1));

        // Figures.
        write_metrics_csv(&out_dir.join("metrics.csv"), &state.history)?;
        write_loss_chart(&out_dir.join("loss.png"), &state.history)?;
        if let Some(fb) = &figure_batch {
            let rec = cae.reconstruct(fb)?;
            write_reconstructions(&out_dir.join("reconstructions.png"), fb.images(), &rec, 2)?;
        }

        if stop_now {
            if config.progress {
                println!(
                    "early stop: no improvement for {} epochs (best epoch {:?})",
                    state.epochs_without_improvement, state.best_epoch
                );
            }
            stop_reason = StopReason::EarlyStopped;
            break;
        }
    }

    Ok(PretrainReport {
        history: state.history,
        best_epoch: state.best_epoch,
        best_mse: state.best_mse,
        best_checkpoint: state.best_epoch.map(|_| best_dir),
        last_checkpoint,
        stop_reason,
        resumed_from,
        split: (train_idx.len(), val_idx.len()),
    })
}
