//! The pretraining stage: trains the convolutional autoencoder on the pretraining images (resuming
//! from its epoch checkpoints after an interruption), or reuses a pretrained one, or (ablation)
//! skips pretraining; returns the encoder the classifier starts from, and writes `cae_loss.png`
//! and `reconstructions.png`.

use super::state::PretrainingRecord;
use super::{PipelineError, Pretraining, ReproduceOptions};
use candle_core::Device;
use painter_cae::{load_cae, pretrain, CaeCheckpoint, CaeConfig, OptimizerConfig, PretrainConfig};
use painter_classify::PretrainedEncoder;
use painter_data::atomic::write_atomic;
use painter_data::{Dataset, ImageBatch};
use painter_data::{PreparedData, SharedDataset};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The CAE folder inside the output folder.
pub const CAE_DIR: &str = "cae";

/// The folder of ensemble member `k` (from 1) inside the output folder: `cae`, `cae-2`, ...
pub fn member_dir(out: &Path, k: usize) -> PathBuf {
    if k <= 1 {
        out.join(CAE_DIR)
    } else {
        out.join(format!("{CAE_DIR}-{k}"))
    }
}

/// The encoder the classifier starts from, and how it came to be.
#[derive(Debug, Clone)]
pub struct PretrainedCae {
    /// The encoders (pretrained, or seeded at random without pretraining); never empty. The
    /// first is the one the dense heads start from; the linear probe reads all of them (an
    /// ensemble, `--encoders N` or several `--cae` folders).
    pub encoders: Vec<PretrainedEncoder>,
    /// The checkpoint folder of the whole CAE (`None` without pretraining).
    pub checkpoint: Option<PathBuf>,
    /// The pretraining record (`None` when reused from a folder without one, or not pretrained).
    pub record: Option<PretrainingRecord>,
    /// A one-line description for the report (of the first encoder).
    pub description: String,
    /// One line per further encoder of an ensemble: where it comes from.
    pub more_descriptions: Vec<String>,
    /// Notes for the report (e.g. that pretraining saw the evaluation images' pixels).
    pub notes: Vec<String>,
}

/// The checkpoint folder inside `dir`: `dir` itself when it holds `model.safetensors` and
/// `config.json`, else `dir/best` (the best epoch of a pretraining run's output folder).
pub fn resolve_checkpoint(dir: &Path) -> Result<PathBuf, PipelineError> {
    let holds = |d: &Path| {
        d.join(CaeCheckpoint::WEIGHTS_FILE).is_file()
            && d.join(CaeCheckpoint::CONFIG_FILE).is_file()
    };
    if holds(dir) {
        return Ok(dir.to_path_buf());
    }
    let best = dir.join("best");
    if holds(&best) {
        return Ok(best);
    }
    Err(PipelineError::InvalidOption(format!(
        "--cae {}: neither it nor its best/ holds a CAE checkpoint ({} and {})",
        dir.display(),
        CaeCheckpoint::WEIGHTS_FILE,
        CaeCheckpoint::CONFIG_FILE
    )))
}

/// Copies `from` to `to` atomically when `from` exists; returns whether it did.
fn copy_if_exists(from: &Path, to: &Path) -> Result<bool, PipelineError> {
    match std::fs::read(from) {
        Ok(bytes) => {
            write_atomic(to, &bytes).map_err(|e| PipelineError::io(to, e))?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(PipelineError::io(from, e)),
    }
}

fn check_size(cfg: &CaeConfig, wanted: &CaeConfig, dir: &Path) -> Result<(), PipelineError> {
    if cfg.image_size != wanted.image_size || cfg.in_channels != wanted.in_channels {
        return Err(PipelineError::InvalidOption(format!(
            "--cae {}: the CAE takes {}x{} images but this run standardizes to {}x{}; pass --image-size {}",
            dir.display(),
            cfg.image_size,
            cfg.image_size,
            wanted.image_size,
            wanted.image_size,
            cfg.image_size
        )));
    }
    Ok(())
}

/// Trains the CAE in `<out>/cae`, resuming an interrupted pretraining; a finished one is reused.
fn train(
    options: &ReproduceOptions,
    cfg: &CaeConfig,
    images: &SharedDataset,
    device: &Device,
    (cae_dir, seed): (PathBuf, u64),
) -> Result<(PathBuf, PretrainingRecord), PipelineError> {
    if let Some(record) = PretrainingRecord::load(&cae_dir)? {
        let best = cae_dir.join(&record.best);
        if CaeCheckpoint::load_config(&best).is_ok_and(|c| &c == cfg) {
            println!("  finished earlier: {}, reused", record.summary());
            return Ok((best, record));
        }
    }
    let optimizer = OptimizerConfig::by_name(&options.cae_optimizer)?;
    let config = PretrainConfig {
        epochs: options.cae_epochs,
        batch_size: options.cae_batch,
        optimizer,
        pixel_dropout: options.cae_pixel_dropout,
        val_fraction: 0.1,
        patience: Some(5),
        min_delta: 0.0,
        seed,
        preload: true,
        progress: true,
        figure_images: 8,
    };
    let started = Instant::now();
    let report = pretrain(cfg, &config, images.as_ref(), device, &cae_dir, true)?;
    if let Some(e) = report.resumed_from {
        println!("  resumed after epoch {e}");
    }
    let best = report
        .best_checkpoint
        .clone()
        .ok_or_else(|| PipelineError::State {
            path: cae_dir.clone(),
            message: "pretraining ended without a best checkpoint".into(),
        })?;
    let record = PretrainingRecord::new(
        best.strip_prefix(&cae_dir)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "best".into()),
        report.history.len(),
        report.best_epoch,
        report.best_mse,
        report.history.first().map(|r| r.train_mse),
        report.split,
        report.stop_reason == painter_cae::StopReason::EarlyStopped,
        report.history.iter().map(|r| r.seconds).sum::<f64>(),
    );
    println!(
        "  pretraining: {} epoch(s) in total, {:.1} s in this run",
        record.epochs,
        started.elapsed().as_secs_f64()
    );
    record.save(&cae_dir)?;
    Ok((best, record))
}

/// Writes `reconstructions.png`: up to 8 labelled images (cycling through the painters) above
/// the CAE's reconstructions of them.
fn write_reconstructions(
    checkpoint: &Path,
    labelled: &SharedDataset,
    path: &Path,
    device: &Device,
) -> Result<bool, PipelineError> {
    let Ok((_, _, cae)) = load_cae(checkpoint, device) else {
        return Ok(false); // an encoder-only checkpoint: nothing to reconstruct with
    };
    let classes = labelled.class_names().len().max(1);
    let mut per_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for i in 0..labelled.len() {
        if let Some(l) = labelled.label(i)? {
            if let Some(v) = per_class.get_mut(l) {
                v.push(i);
            }
        }
    }
    let mut picked = Vec::new();
    for round in 0..8 {
        for members in &per_class {
            if picked.len() < 8 {
                if let Some(&i) = members.get(round) {
                    picked.push(i);
                }
            }
        }
    }
    if picked.is_empty() {
        return Ok(false);
    }
    let images = picked
        .iter()
        .map(|&i| labelled.get(i).map(|s| s.image))
        .collect::<Result<Vec<_>, _>>()?;
    let batch =
        ImageBatch::from_images(&images, None, device).map_err(painter_data::DatasetError::from)?;
    let rec = cae.reconstruct(batch.images())?;
    painter_cae::write_reconstructions(path, batch.images(), &rec, 2)?;
    Ok(true)
}

/// One encoder of the stage, and how it came to be.
struct Member {
    encoder: PretrainedEncoder,
    checkpoint: Option<PathBuf>,
    record: Option<PretrainingRecord>,
    description: String,
}

/// Makes encoder `k` (from 1) of the stage: seeded, reused or pretrained (in [`member_dir`], with
/// seed `seed + k - 1`). Only the first writes the figures and the notes.
fn member(
    options: &ReproduceOptions,
    cfg: &CaeConfig,
    data: &PreparedData,
    device: &Device,
    k: usize,
    notes: &mut Vec<String>,
) -> Result<Member, PipelineError> {
    let first = k == 1;
    let seed = options.seed.wrapping_add(k as u64 - 1);
    let (checkpoint, record, description) = match &options.pretraining {
        Pretraining::None => {
            let encoder = PretrainedEncoder::seeded(cfg, seed, device)?;
            println!("  no pretraining: the encoder keeps its random initialization (seed {seed})");
            if first {
                notes.push(
                    "No pretraining (ablation): the encoder's weights are random (seeded).".into(),
                );
            }
            return Ok(Member {
                encoder,
                checkpoint: None,
                record: None,
                description: format!(
                    "none: random encoder (seed {seed}), filters {:?}, {}x{} input",
                    cfg.filters, cfg.image_size, cfg.image_size
                ),
            });
        }
        Pretraining::Reuse { dir, more } => {
            let dir = if first {
                dir
            } else {
                more.get(k - 2).ok_or_else(|| {
                    PipelineError::InvalidOption(format!("--cae names no encoder {k}"))
                })?
            };
            let checkpoint = resolve_checkpoint(dir)?;
            let saved = CaeCheckpoint::load_config(&checkpoint)?;
            check_size(&saved, cfg, dir)?;
            let record = PretrainingRecord::load(dir)?;
            println!("  reusing the pretrained CAE in {}", checkpoint.display());
            let loss = dir.join("loss.png");
            if first && copy_if_exists(&loss, &options.out.join("cae_loss.png"))? {
                println!("  copied its loss curve to cae_loss.png");
            }
            let description = format!(
                "reused from {} (filters {:?}, {}x{} input, decoder {:?})",
                checkpoint.display(),
                saved.filters,
                saved.image_size,
                saved.image_size,
                saved.upsampling
            );
            (checkpoint, record, description)
        }
        Pretraining::Train => {
            let images = &data.pretraining;
            let cae_dir = member_dir(&options.out, k);
            println!(
                "  pretraining the CAE{} (filters {:?}, {}x{}, decoder {:?}, seed {seed}) on {}",
                if options.encoders > 1 {
                    format!(" {k}/{} in {}", options.encoders, cae_dir.display())
                } else {
                    String::new()
                },
                cfg.filters,
                cfg.image_size,
                cfg.image_size,
                cfg.upsampling,
                images.description
            );
            if first && images.includes_evaluation_images {
                notes.push(
                    "Pretraining used the labelled images' pixels (never their labels), including \
                     the images each fold validates on: pass --unlabeled DIR for a separate set."
                        .into(),
                );
            }
            let (checkpoint, record) = train(
                options,
                cfg,
                &images.dataset,
                device,
                (cae_dir.clone(), seed),
            )?;
            if first {
                copy_if_exists(&cae_dir.join("loss.png"), &options.out.join("cae_loss.png"))?;
            }
            let description = format!(
                "trained here on {} ({} epoch(s), optimizer {}, batch {}, pixel dropout {}{})",
                images.description,
                record.epochs,
                options.cae_optimizer,
                options.cae_batch,
                options.cae_pixel_dropout,
                if options.encoders > 1 {
                    format!(", seed {seed}, in {}", cae_dir.display())
                } else {
                    String::new()
                }
            );
            (checkpoint, Some(record), description)
        }
    };
    let encoder = PretrainedEncoder::load(&checkpoint, device)?;
    if first
        && write_reconstructions(
            &checkpoint,
            &data.labelled,
            &options.out.join("reconstructions.png"),
            device,
        )?
    {
        println!("  wrote reconstructions.png");
    }
    Ok(Member {
        encoder,
        checkpoint: Some(checkpoint),
        record,
        description,
    })
}

/// Runs the pretraining stage (see the [module docs](self)): one encoder, or the
/// [`ReproduceOptions::ensemble_size`] encoders of an ensemble, one after the other.
pub fn pretrain_stage(
    options: &ReproduceOptions,
    data: &PreparedData,
    device: &Device,
) -> Result<PretrainedCae, PipelineError> {
    let cfg = options.cae_config()?;
    let mut notes = Vec::new();
    let count = options.ensemble_size();
    let first = member(options, &cfg, data, device, 1, &mut notes)?;
    let mut encoders = vec![first.encoder];
    let mut more_descriptions = Vec::with_capacity(count - 1);
    for k in 2..=count {
        let m = member(options, &cfg, data, device, k, &mut notes)?;
        encoders.push(m.encoder);
        let record = m
            .record
            .as_ref()
            .map_or(String::new(), |r| format!("; {}", r.summary()));
        more_descriptions.push(format!("{}{record}", m.description));
    }
    Ok(PretrainedCae {
        encoders,
        checkpoint: first.checkpoint,
        record: first.record,
        description: first.description,
        more_descriptions,
        notes,
    })
}
