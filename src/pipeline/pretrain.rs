//! The pretraining stage: makes every encoder of the recipe, drawing it at random (objective
//! `none`), or taking it from the cache of pretrained autoencoders, or pretraining it there
//! (resuming from its epoch checkpoints after an interruption). Writes `cae_loss.png` and
//! `reconstructions.png` for the first pretrained encoder.
//!
//! A pretrained autoencoder lives in `<cache>/cae/<key>/`, where the key is a hash of everything
//! that determines it ([`CaeKey`]): the content of the pretraining paintings, the architecture,
//! every pretraining setting and the seeds. Any run, of any recipe, that needs the same
//! autoencoder reuses it.

use super::data::pretrained_encoders;
use super::state::PretrainingRecord;
use super::{Experiment, PipelineError};
use crate::recipe::{EncoderRecipe, Objective, PretrainingRecipe};
use candle_core::Device;
use painter_cae::{load_cae, pretrain, CaeCheckpoint, CaeConfig, PretrainConfig};
use painter_classify::PretrainedEncoder;
use painter_data::{Dataset, ImageBatch, PreparedData, PretrainingImages, SharedDataset};
use painter_io::{read_json, write_atomic, write_json, FileError, Optional};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The file in a cached autoencoder's folder that says what it is.
pub const KEY_FILE: &str = "key.json";

const KEY_FORMAT: &str = "deep-painter-cae-key/1";

/// Everything that determines a pretrained autoencoder; its hash names the cache folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaeKey {
    /// Always `deep-painter-cae-key/1`.
    pub format: String,
    /// The SHA-256 of the pretraining paintings' pixels (whole paintings at `side`, in order).
    pub data: String,
    /// How many paintings that is, and where they come from: for people, left out of the hash
    /// (the same paintings reached by another path are the same data).
    pub data_description: String,
    /// The side the paintings are standardized to.
    pub side: usize,
    /// The architecture.
    pub cae: CaeConfig,
    /// The pretraining settings.
    pub pretraining: PretrainingRecipe,
    /// The autoencoder's seed: initialization, batch order, pixel dropout, validation split.
    pub seed: u64,
    /// The seed of the subset (`pretraining.images`) and of the crops.
    pub sample_seed: u64,
}

impl CaeKey {
    /// The folder name: the first 16 hex digits of the SHA-256 of the key without its
    /// description.
    pub fn folder_name(&self) -> Result<String, PipelineError> {
        let hashed = Self {
            data_description: String::new(),
            ..self.clone()
        };
        let text = serde_json::to_string(&hashed)
            .map_err(|e| PipelineError::InvalidOption(format!("CAE key: {e}")))?;
        let digest = Sha256::digest(text.as_bytes());
        Ok(digest.iter().take(8).map(|b| format!("{b:02x}")).collect())
    }
}

/// The SHA-256 of the pixels of every image of `dataset`, in order (images hashed in parallel,
/// then their digests in order).
pub fn content_digest(dataset: &dyn Dataset) -> Result<String, PipelineError> {
    let digests = (0..dataset.len())
        .into_par_iter()
        .map(|i| {
            let image = dataset.get(i)?.image;
            let mut h = Sha256::new();
            h.update(image.width().to_le_bytes());
            h.update(image.height().to_le_bytes());
            h.update(image.as_raw());
            Ok(h.finalize())
        })
        .collect::<Result<Vec<_>, PipelineError>>()?;
    let mut all = Sha256::new();
    all.update((dataset.len() as u64).to_le_bytes());
    for d in digests {
        all.update(d);
    }
    Ok(all.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// One encoder of the experiment, and how it came to be.
#[derive(Debug, Clone)]
pub struct EncoderOrigin {
    /// The encoder.
    pub encoder: PretrainedEncoder,
    /// Its cache folder (`None` for a random encoder).
    pub dir: Option<PathBuf>,
    /// Its pretraining record (`None` for a random encoder).
    pub record: Option<PretrainingRecord>,
    /// Whether the cache held it already.
    pub reused: bool,
    /// A one-line description for the report.
    pub description: String,
}

/// Every encoder of the experiment, in the recipe's order.
#[derive(Debug, Clone)]
pub struct Encoders {
    /// The encoders; never empty.
    pub members: Vec<EncoderOrigin>,
    /// Notes for the report (e.g. that pretraining saw the test paintings' pixels).
    pub notes: Vec<String>,
}

impl Encoders {
    /// The encoders alone.
    pub fn encoders(&self) -> Vec<PretrainedEncoder> {
        self.members.iter().map(|m| m.encoder.clone()).collect()
    }
}

/// The checkpoint of the best epoch inside a cached autoencoder's folder, if it finished.
fn finished(
    dir: &Path,
    cae: &CaeConfig,
) -> Result<Option<(PathBuf, PretrainingRecord)>, PipelineError> {
    let Some(record) = PretrainingRecord::load(dir)? else {
        return Ok(None);
    };
    let best = dir.join(&record.best);
    Ok(CaeCheckpoint::load_config(&best)
        .is_ok_and(|c| &c == cae)
        .then_some((best, record)))
}

/// Pretrains (or finds in the cache) the autoencoder of one encoder, on the images the data stage
/// prepared for it.
fn cached_cae(
    experiment: &Experiment,
    images: &PretrainingImages,
    digests: &mut HashMap<u32, String>,
    member: &EncoderRecipe,
    device: &Device,
) -> Result<(PathBuf, PathBuf, PretrainingRecord, bool, String), PipelineError> {
    let run = &experiment.run;
    let cae = &experiment.recipe.cae;
    let p = &member.pretraining;
    let side = images.whole.image_size();
    let digest = match digests.get(&side) {
        Some(d) => d.clone(),
        None => {
            let t = Instant::now();
            let d = content_digest(images.whole.as_ref())?;
            println!(
                "  fingerprinted the {} pretraining paintings at {side} px ({:.1} s)",
                images.whole.len(),
                t.elapsed().as_secs_f64()
            );
            digests.insert(side, d.clone());
            d
        }
    };
    let key = CaeKey {
        format: KEY_FORMAT.into(),
        data: digest,
        data_description: images.description.clone(),
        side: side as usize,
        cae: cae.clone(),
        pretraining: p.clone(),
        seed: run.seed.wrapping_add(member.seed),
        sample_seed: run.seed,
    };
    let dir = run.cache.join("cae").join(key.folder_name()?);
    if let Some((best, record)) = finished(&dir, cae)? {
        return Ok((dir, best, record, true, images.description.clone()));
    }
    let description = images.description.clone();
    write_json(&dir.join(KEY_FILE), &key)?;
    let config = PretrainConfig {
        epochs: p.epochs,
        batch_size: p.batch_size,
        optimizer: p.optimizer,
        pixel_dropout: p.pixel_dropout,
        val_fraction: p.validation_fraction,
        patience: (p.patience > 0).then_some(p.patience),
        min_delta: 0.0,
        seed: key.seed,
        preload: true,
        progress: true,
        figure_images: 8,
    };
    println!("  pretraining on {description} in {}", dir.display());
    let started = Instant::now();
    let report = pretrain(cae, &config, images.dataset.as_ref(), device, &dir, true)?;
    if let Some(e) = report.resumed_from {
        println!("  resumed after epoch {e}");
    }
    let best = report
        .best_checkpoint
        .clone()
        .ok_or_else(|| PipelineError::State {
            path: dir.clone(),
            message: "pretraining ended without a best checkpoint".into(),
        })?;
    let record = PretrainingRecord::new(
        best.strip_prefix(&dir)
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
    record.save(&dir)?;
    Ok((dir, best, record, false, description))
}

/// The key of the autoencoder cached in `dir`, if it has one.
pub fn cached_key(dir: &Path) -> Result<Option<CaeKey>, PipelineError> {
    Ok(read_json(&dir.join(KEY_FILE)).optional()?)
}

/// Copies `from` to `to` atomically when `from` exists; returns whether it did.
fn copy_if_exists(from: &Path, to: &Path) -> Result<bool, PipelineError> {
    match std::fs::read(from) {
        Ok(bytes) => {
            write_atomic(to, &bytes)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(FileError::new(from, e).into()),
    }
}

/// Writes `reconstructions.png`: up to 8 labelled paintings (cycling through the painters) above
/// the autoencoder's reconstructions of them (it is fully convolutional: any size goes).
fn write_reconstructions(
    checkpoint: &Path,
    labelled: &SharedDataset,
    path: &Path,
    device: &Device,
) -> Result<bool, PipelineError> {
    let (_, _, cae) = load_cae(checkpoint, device)?;
    let classes = labelled.class_names().len().max(1);
    let mut per_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for i in 0..labelled.len() {
        if let Some(l) = labelled.label(i)? {
            if let Some(v) = per_class.get_mut(l) {
                v.push(i);
            }
        }
    }
    let picked: Vec<usize> = (0..8)
        .flat_map(|round| per_class.iter().filter_map(move |m| m.get(round).copied()))
        .take(8)
        .collect();
    if picked.is_empty() {
        return Ok(false);
    }
    let images = picked
        .iter()
        .map(|&i| labelled.get(i).map(|s| s.image))
        .collect::<Result<Vec<_>, _>>()?;
    let batch =
        ImageBatch::from_images(&images, None, device).map_err(painter_data::DatasetError::from)?;
    let rec = cae.reconstruct(&batch)?;
    painter_cae::write_reconstructions(path, batch.images(), &rec, 2)?;
    Ok(true)
}

/// Runs the pretraining stage (see the [module docs](self)).
pub fn pretrain_stage(
    experiment: &Experiment,
    data: &PreparedData,
    device: &Device,
) -> Result<Encoders, PipelineError> {
    let recipe = &experiment.recipe;
    let run = &experiment.run;
    let cae = &recipe.cae;
    let count = recipe.encoders.len();
    let expected = pretrained_encoders(experiment).count();
    if data.pretraining.len() != expected {
        return Err(PipelineError::InvalidOption(format!(
            "the data stage prepared {} set(s) of pretraining images for {expected} pretrained encoder(s)",
            data.pretraining.len()
        )));
    }
    let mut prepared = data.pretraining.iter();
    let mut digests = HashMap::new();
    let mut members = Vec::with_capacity(count);
    let mut notes = Vec::new();
    let mut figures_written = false;
    for (k, member) in recipe.encoders.iter().enumerate() {
        let seed = run.seed.wrapping_add(member.seed);
        println!(
            "  encoder {}/{count}: filters {:?}, {}x{} input, seed {seed}",
            k + 1,
            cae.filters,
            cae.image_size,
            cae.image_size
        );
        if member.pretraining.objective == Objective::None {
            let encoder = PretrainedEncoder::seeded(cae, seed, device)?;
            println!("  no pretraining: the encoder keeps its random initialization");
            members.push(EncoderOrigin {
                encoder,
                dir: None,
                record: None,
                reused: false,
                description: format!(
                    "random encoder (objective none, seed {seed}), filters {:?}, {}x{} input",
                    cae.filters, cae.image_size, cae.image_size
                ),
            });
            continue;
        }
        let pretraining_images = prepared.next().ok_or_else(|| {
            PipelineError::InvalidOption("no pretraining images for a pretrained encoder".into())
        })?;
        let (dir, best, record, reused, images) =
            cached_cae(experiment, pretraining_images, &mut digests, member, device)?;
        if reused {
            println!(
                "  found in the cache: {} ({})",
                dir.display(),
                record.summary()
            );
        }
        if pretraining_images.includes_evaluation_images && notes.is_empty() {
            notes.push(
                "Pretraining used the labelled paintings' pixels (never their labels), including \
                 the paintings each fold tests on: pass --unlabeled DIR for a separate set."
                    .into(),
            );
        }
        if !figures_written {
            copy_if_exists(&dir.join("loss.png"), &run.out.join("cae_loss.png"))?;
            if write_reconstructions(
                &best,
                &data.labelled,
                &run.out.join("reconstructions.png"),
                device,
            )? {
                println!("  wrote cae_loss.png and reconstructions.png");
            }
            figures_written = true;
        }
        let p = &member.pretraining;
        let description = format!(
            "pretrained on {images}: {} epoch(s) at most, optimizer {}, batch {}, pixel dropout {}, {}seed {seed}; {} ({})",
            p.epochs,
            p.optimizer.name(),
            p.batch_size,
            p.pixel_dropout,
            if p.crops > 0 {
                format!("{} crops per painting at {} px, ", p.crops, p.crop_from)
            } else {
                String::new()
            },
            record.summary(),
            dir.display()
        );
        members.push(EncoderOrigin {
            encoder: PretrainedEncoder::load(&best, device)?,
            dir: Some(dir),
            record: Some(record),
            reused,
            description,
        });
    }
    Ok(Encoders { members, notes })
}
