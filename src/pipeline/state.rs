//! Resume state: what lets an interrupted run continue without recomputing finished work.
//!
//! - `run.json` in the output folder records the settings that shape the results; a later run in
//!   the same folder must agree with them (else [`PipelineError::ResumeMismatch`]), so results of
//!   different settings are never mixed. Settings that do not change results (output and cache
//!   folders, verbosity, saving models, the number of draws) may change.
//! - `draw-<d>/fold-<k>/result.json` records a finished fold: its test indices and predictions. A
//!   fold whose record matches its test indices is not trained again.
//! - `cae/pretraining.json` marks a finished pretraining; an unfinished one resumes from the
//!   epoch checkpoints painter-cae writes.
//!
//! Every file is written atomically (`painter_data::atomic`), so a kill leaves either the old or
//! the new version, never half a file.

use super::{PipelineError, ReproduceOptions};
use painter_classify::TrainingHistory;
use painter_data::atomic::write_atomic;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The run description's file name in the output folder.
pub const RUN_FILE: &str = "run.json";
/// A finished fold's record file name in its folder.
pub const FOLD_FILE: &str = "result.json";
/// The finished-pretraining marker's file name in the CAE folder.
pub const PRETRAIN_FILE: &str = "pretraining.json";

const RUN_FORMAT: &str = "deep-painter-reproduce-run/1";
const FOLD_FORMAT: &str = "deep-painter-reproduce-fold/1";
const PRETRAIN_FORMAT: &str = "deep-painter-reproduce-pretraining/1";

/// Option fields that do not change any result, left out of the comparison.
const NEUTRAL_FIELDS: [&str; 5] = ["out", "cache_dir", "verbose", "save_models", "draws"];

/// Writes `value` as pretty JSON to `path`, atomically (creating the folder).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), PipelineError> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| PipelineError::State {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    text.push('\n');
    write_atomic(path, text.as_bytes()).map_err(|e| PipelineError::io(path, e))
}

/// Reads a JSON file; `Ok(None)` when it does not exist.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, PipelineError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PipelineError::io(path, e)),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| PipelineError::State {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// The settings of a run that shape its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDescription {
    /// Always `deep-painter-reproduce-run/1`.
    pub format: String,
    /// The options, without the fields that do not change results.
    pub settings: serde_json::Map<String, serde_json::Value>,
}

impl RunDescription {
    /// The description of `options`.
    pub fn of(options: &ReproduceOptions) -> Result<Self, PipelineError> {
        let value = serde_json::to_value(options).map_err(|e| {
            PipelineError::InvalidOption(format!("options cannot be described: {e}"))
        })?;
        let mut settings = match value {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        for f in NEUTRAL_FIELDS {
            settings.remove(f);
        }
        Ok(Self {
            format: RUN_FORMAT.into(),
            settings,
        })
    }

    /// The first setting where `self` and `other` differ, as `name: this vs other`.
    pub fn difference(&self, other: &RunDescription) -> Option<String> {
        if self.format != other.format {
            return Some(format!("format {} vs {}", self.format, other.format));
        }
        let mut keys: Vec<&String> = self.settings.keys().chain(other.settings.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter().find_map(|k| {
            let (a, b) = (self.settings.get(k), other.settings.get(k));
            (a != b).then(|| {
                let show =
                    |v: Option<&serde_json::Value>| v.map_or("absent".into(), |v| v.to_string());
                format!("{k}: {} now, {} before", show(a), show(b))
            })
        })
    }

    /// Records this run in `out`, or checks that the run already there has the same settings.
    pub fn record_or_check(&self, out: &Path) -> Result<bool, PipelineError> {
        let path = out.join(RUN_FILE);
        match read_json::<RunDescription>(&path)? {
            Some(previous) => match self.difference(&previous) {
                Some(difference) => Err(PipelineError::ResumeMismatch { path, difference }),
                None => Ok(true),
            },
            None => {
                write_json(&path, self)?;
                Ok(false)
            }
        }
    }
}

/// A finished fold, as recorded in `draw-<d>/fold-<k>/result.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldRecord {
    /// Always `deep-painter-reproduce-fold/1`.
    pub format: String,
    /// The draw (from 0).
    pub draw: usize,
    /// The fold (from 1).
    pub fold: usize,
    /// Training images of the fold (including those held out for early stopping).
    pub train_images: usize,
    /// The test (validation) indices of the fold, into the draw's images.
    pub test: Vec<usize>,
    /// The predicted label of each test image, aligned with `test`.
    pub predictions: Vec<usize>,
    /// The classifier's training history (`None` for a model without one).
    pub history: Option<TrainingHistory>,
    /// Wall-clock seconds of training and predicting.
    pub seconds: f64,
}

impl FoldRecord {
    /// A record of a fold just finished.
    pub fn new(
        draw: usize,
        fold: usize,
        train_images: usize,
        test: Vec<usize>,
        predictions: Vec<usize>,
        history: Option<TrainingHistory>,
        seconds: f64,
    ) -> Self {
        Self {
            format: FOLD_FORMAT.into(),
            draw,
            fold,
            train_images,
            test,
            predictions,
            history,
            seconds,
        }
    }

    /// The record file of fold `fold` (from 1) of draw `draw` under `out`.
    pub fn path(out: &Path, draw: usize, fold: usize) -> PathBuf {
        fold_dir(out, draw, fold).join(FOLD_FILE)
    }

    /// Reads the record of a fold if it exists, is complete and was made for the same test images.
    pub fn load_matching(
        out: &Path,
        draw: usize,
        fold: usize,
        test: &[usize],
    ) -> Result<Option<Self>, PipelineError> {
        let path = Self::path(out, draw, fold);
        let Some(record) = read_json::<FoldRecord>(&path)? else {
            return Ok(None);
        };
        let valid = record.format == FOLD_FORMAT
            && record.draw == draw
            && record.fold == fold
            && record.test == test
            && record.predictions.len() == test.len();
        Ok(valid.then_some(record))
    }

    /// Writes the record (atomically).
    pub fn save(&self, out: &Path) -> Result<(), PipelineError> {
        write_json(&Self::path(out, self.draw, self.fold), self)
    }
}

/// The folder of draw `draw` (from 0) under `out`.
pub fn draw_dir(out: &Path, draw: usize) -> PathBuf {
    out.join(format!("draw-{draw}"))
}

/// The folder of fold `fold` (from 1) of draw `draw` under `out`.
pub fn fold_dir(out: &Path, draw: usize, fold: usize) -> PathBuf {
    draw_dir(out, draw).join(format!("fold-{fold:02}"))
}

/// The marker of a finished pretraining, `cae/pretraining.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrainingRecord {
    /// Always `deep-painter-reproduce-pretraining/1`.
    pub format: String,
    /// The folder of the best checkpoint (relative to the CAE folder).
    pub best: String,
    /// Epochs run.
    pub epochs: usize,
    /// The best epoch (validation MSE).
    pub best_epoch: Option<usize>,
    /// Its validation MSE.
    pub best_mse: Option<f64>,
    /// The first epoch's training MSE (to show how far reconstruction improved).
    pub first_train_mse: Option<f64>,
    /// Training and validation images.
    pub split: (usize, usize),
    /// Whether early stopping ended it.
    pub early_stopped: bool,
    /// Wall-clock seconds of the pretraining epochs.
    pub seconds: f64,
}

impl PretrainingRecord {
    /// A record with the current format.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        best: String,
        epochs: usize,
        best_epoch: Option<usize>,
        best_mse: Option<f64>,
        first_train_mse: Option<f64>,
        split: (usize, usize),
        early_stopped: bool,
        seconds: f64,
    ) -> Self {
        Self {
            format: PRETRAIN_FORMAT.into(),
            best,
            epochs,
            best_epoch,
            best_mse,
            first_train_mse,
            split,
            early_stopped,
            seconds,
        }
    }

    /// `N epoch(s), best epoch E, validation MSE M` (`n/a` for what is unknown), as the report
    /// and the pretraining stage show it.
    pub fn summary(&self) -> String {
        format!(
            "{} epoch(s), best epoch {}, validation MSE {}",
            self.epochs,
            self.best_epoch.map_or("n/a".into(), |e| e.to_string()),
            self.best_mse.map_or("n/a".into(), |m| format!("{m:.6}"))
        )
    }

    /// Reads the marker of a finished pretraining in `cae_dir`, if any.
    pub fn load(cae_dir: &Path) -> Result<Option<Self>, PipelineError> {
        Ok(
            read_json::<Self>(&cae_dir.join(PRETRAIN_FILE))?
                .filter(|r| r.format == PRETRAIN_FORMAT),
        )
    }

    /// Writes the marker (atomically).
    pub fn save(&self, cae_dir: &Path) -> Result<(), PipelineError> {
        write_json(&cae_dir.join(PRETRAIN_FILE), self)
    }
}
