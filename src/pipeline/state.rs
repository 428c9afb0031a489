//! Resume state: what lets an interrupted run continue without recomputing finished work.
//!
//! - `run.json` in the run folder records the settings that shape the results (the resolved
//!   recipe and the data settings); a later run in the same folder must agree with them (else
//!   [`PipelineError::ResumeMismatch`]), so results of different settings are never mixed. What
//!   changes no result (run and cache folders, verbosity, the recipe's description and `[output]`,
//!   the number of draws) may change.
//! - `draw-<d>/fold-<k>/result.json` (the classifier) and `baseline.json` record a finished fold:
//!   its test indices, predictions and class probabilities. A fold whose record matches its test
//!   indices is not computed again.
//! - `pretraining.json` in a cached autoencoder's folder marks a finished pretraining; an
//!   unfinished one resumes from the epoch checkpoints painter-cae writes.
//!
//! Every file is written atomically (`painter_io`), so a kill leaves either the old or
//! the new version, never half a file.

use super::protocol::ScoredFoldCurve;
use super::run_options::NEUTRAL_FIELDS;
use super::{Experiment, PipelineError};
use painter_classify::TrainingHistory;
use painter_io::{read_json, write_json, Optional};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The run description's file name in the output folder.
pub const RUN_FILE: &str = "run.json";
/// A finished fold's record file name in its folder.
pub const FOLD_FILE: &str = "result.json";
/// The baseline's record of a finished fold.
pub const BASELINE_FILE: &str = "baseline.json";
/// The finished-pretraining marker's file name in the CAE folder.
pub const PRETRAIN_FILE: &str = "pretraining.json";

const RUN_FORMAT: &str = "deep-painter-reproduce-run/2";
pub(crate) const FOLD_FORMAT: &str = "deep-painter-reproduce-fold/2";
const PRETRAIN_FORMAT: &str = "deep-painter-reproduce-pretraining/1";

/// Recipe keys that change no result, left out of the comparison.
const NEUTRAL_RECIPE_KEYS: [&str; 2] = ["description", "output"];

/// The settings of a run that shape its results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDescription {
    /// Always `deep-painter-reproduce-run/2`.
    pub format: String,
    /// The resolved recipe (`recipe.*`) and the data settings (`run.*`), without what changes no
    /// result.
    pub settings: serde_json::Map<String, serde_json::Value>,
}

impl RunDescription {
    /// The description of `experiment`.
    pub fn of(experiment: &Experiment) -> Result<Self, PipelineError> {
        let describe = |e: &dyn std::fmt::Display| {
            PipelineError::InvalidOption(format!("the experiment cannot be described: {e}"))
        };
        let mut recipe: toml::Table = experiment
            .recipe
            .to_toml(None)?
            .parse()
            .map_err(|e: toml::de::Error| describe(&e))?;
        for k in NEUTRAL_RECIPE_KEYS {
            recipe.remove(k);
        }
        let mut run = serde_json::to_value(&experiment.run).map_err(|e| describe(&e))?;
        if let serde_json::Value::Object(m) = &mut run {
            for f in NEUTRAL_FIELDS {
                m.remove(f);
            }
        }
        let mut settings = serde_json::Map::new();
        settings.insert(
            "recipe".into(),
            serde_json::to_value(&recipe).map_err(|e| describe(&e))?,
        );
        settings.insert("run".into(), run);
        Ok(Self {
            format: RUN_FORMAT.into(),
            settings,
        })
    }

    /// The first setting where `self` and `other` differ, as `dotted.key: this now, that before`.
    pub fn difference(&self, other: &RunDescription) -> Option<String> {
        if self.format != other.format {
            return Some(format!(
                "format {} now, {} before",
                self.format, other.format
            ));
        }
        first_difference("", &self.settings, &other.settings)
    }

    /// Records this run in `out`, or checks that the run already there has the same settings.
    pub fn record_or_check(&self, out: &Path) -> Result<bool, PipelineError> {
        let path = out.join(RUN_FILE);
        match read_json::<RunDescription>(&path).optional()? {
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

/// Which model of a draw a fold record is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelRole {
    /// The recipe's classifier (`result.json`).
    Classifier,
    /// The hand-crafted baseline on the same folds (`baseline.json`).
    Baseline,
}

impl ModelRole {
    /// `classifier` or `baseline`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Classifier => "classifier",
            Self::Baseline => "baseline",
        }
    }

    /// The record's file name in the fold folder.
    pub fn file(&self) -> &'static str {
        match self {
            Self::Classifier => FOLD_FILE,
            Self::Baseline => BASELINE_FILE,
        }
    }
}

/// The first leaf where two JSON objects differ, by dotted key (keys in sorted order).
fn first_difference(
    prefix: &str,
    a: &serde_json::Map<String, serde_json::Value>,
    b: &serde_json::Map<String, serde_json::Value>,
) -> Option<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter().find_map(|k| {
        let key = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match (a.get(k), b.get(k)) {
            (Some(serde_json::Value::Object(x)), Some(serde_json::Value::Object(y))) => {
                first_difference(&key, x, y)
            }
            (x, y) if x != y => {
                let show =
                    |v: Option<&serde_json::Value>| v.map_or("absent".into(), |v| v.to_string());
                Some(format!("{key}: {} now, {} before", show(x), show(y)))
            }
            _ => None,
        }
    })
}

/// A finished fold, as recorded in `draw-<d>/fold-<k>/result.json` (or `baseline.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldRecord {
    /// Always `deep-painter-reproduce-fold/2`.
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
    /// The class probabilities of each test image, aligned with `test`.
    pub probabilities: Option<Vec<Vec<f64>>>,
    /// The classifier's training history (`None` for a model without one).
    pub history: Option<TrainingHistory>,
    /// Under the paper's protocol, the test paintings' accuracy at every step of training
    /// (absent in records of the honest protocol).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scored_fold: Option<ScoredFoldCurve>,
    /// Wall-clock seconds of training and predicting.
    pub seconds: f64,
}

impl FoldRecord {
    /// The record file of `role`'s fold `fold` (from 1) of draw `draw` under `out`.
    pub fn path(out: &Path, role: ModelRole, draw: usize, fold: usize) -> PathBuf {
        fold_dir(out, draw, fold).join(role.file())
    }

    /// Reads the record of a fold if it exists, is complete and was made for the same test images.
    pub fn load_matching(
        out: &Path,
        role: ModelRole,
        draw: usize,
        fold: usize,
        test: &[usize],
    ) -> Result<Option<Self>, PipelineError> {
        let path = Self::path(out, role, draw, fold);
        let Some(record) = read_json::<FoldRecord>(&path).optional()? else {
            return Ok(None);
        };
        let valid = record.format == FOLD_FORMAT
            && record.draw == draw
            && record.fold == fold
            && record.test == test
            && record.predictions.len() == test.len();
        Ok(valid.then_some(record))
    }

    /// Writes the record of `role` (atomically).
    pub fn save(&self, out: &Path, role: ModelRole) -> Result<(), PipelineError> {
        Ok(write_json(
            &Self::path(out, role, self.draw, self.fold),
            self,
        )?)
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
        Ok(read_json::<Self>(&cae_dir.join(PRETRAIN_FILE))
            .optional()?
            .filter(|r| r.format == PRETRAIN_FORMAT))
    }

    /// Writes the marker (atomically).
    pub fn save(&self, cae_dir: &Path) -> Result<(), PipelineError> {
        Ok(write_json(&cae_dir.join(PRETRAIN_FILE), self)?)
    }
}
