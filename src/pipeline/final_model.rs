//! The final model (`output.final_model`): after the cross-validation, the recipe's classifier is
//! trained once more, exactly as a fold trains it, on every painting of the run's selection (draw
//! 0), and saved in `RUN_DIR/model/` beside its model card ([`super::card`]).
//!
//! The fit goes through the same [`FoldClassifier`] as every fold, with every painting as its
//! training part and none to test; its by-products (the choice of `C`) stay in `RUN_DIR/final/`.
//!
//! With `classifier.temperature`, each fold also records its temperature and the test
//! probabilities before it ([`TemperatureRecord`], `temperature.json` in the fold folder), so the
//! card can show the calibration before and after.

use super::folds::{Fold, FoldClassifier};
use super::protocol::Protocol;
use super::state::fold_dir;
use super::PipelineError;
use painter_classify::Temperature;
use painter_io::{read_json, write_json, FileError, Optional};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The final model's folder in the run folder.
pub const MODEL_DIR: &str = "model";
/// The folder of the final fit's by-products in the run folder.
pub const FINAL_DIR: &str = "final";
/// A fold's temperature record, in its fold folder.
pub const TEMPERATURE_FILE: &str = "temperature.json";
const TEMPERATURE_FORMAT: &str = "deep-painter-fold-temperature/1";

/// How the final model was fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalFit {
    /// Paintings it was trained on.
    pub paintings: usize,
    /// What the fit says about itself (the chosen C, the temperature, ...).
    pub details: String,
    /// Seconds of the fit.
    pub seconds: f64,
}

/// The final model's folder of the run folder `out`.
pub fn model_dir(out: &Path) -> PathBuf {
    out.join(MODEL_DIR)
}

/// Trains `classifier` as a fold on all `paintings` paintings (seed `seed`), which must save its
/// model into `RUN_DIR/final/model`, and moves that folder to `RUN_DIR/model/` (replacing an
/// older one).
pub fn fit_final<C: FoldClassifier>(
    classifier: &mut C,
    out: &Path,
    folds: usize,
    seed: u64,
    paintings: usize,
) -> Result<FinalFit, PipelineError> {
    let started = Instant::now();
    let all: Vec<usize> = (0..paintings).collect();
    let dir = out.join(FINAL_DIR);
    let output = classifier.fit_fold(&Fold {
        fold: 0,
        folds,
        dir: dir.clone(),
        seed,
        // No fold is scored: the final model is trained once, with the honest choices.
        protocol: Protocol::Honest,
        train: &all,
        test: &[],
    })?;
    let saved = dir.join(MODEL_DIR);
    if !saved.is_dir() {
        return Err(PipelineError::CrossValidation(format!(
            "the final fit saved no model in {}",
            saved.display()
        )));
    }
    let target = model_dir(out);
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(FileError::at(&target))?;
    }
    std::fs::rename(&saved, &target).map_err(FileError::at(&target))?;
    for note in &output.notes {
        println!("    {note}");
    }
    Ok(FinalFit {
        paintings,
        details: output.details,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// A fold's temperature and its test probabilities before it (`temperature.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemperatureRecord {
    /// Always `deep-painter-fold-temperature/1`.
    pub format: String,
    /// The temperature fitted inside the fold's training paintings.
    pub temperature: Temperature,
    /// The test paintings' probabilities before the temperature, aligned with the fold's test
    /// indices (its record holds them after).
    pub unscaled: Vec<Vec<f64>>,
}

impl TemperatureRecord {
    /// A record of the current format.
    pub fn new(temperature: Temperature, unscaled: Vec<Vec<f64>>) -> Self {
        Self {
            format: TEMPERATURE_FORMAT.into(),
            temperature,
            unscaled,
        }
    }

    /// Writes the record into the fold folder `dir` (atomically).
    pub fn save(&self, dir: &Path) -> Result<(), PipelineError> {
        Ok(write_json(&dir.join(TEMPERATURE_FILE), self)?)
    }

    /// The record of fold `fold` (from 1) of draw `draw`, if it has one of `tests` rows.
    pub fn load(
        out: &Path,
        draw: usize,
        fold: usize,
        tests: usize,
    ) -> Result<Option<Self>, PipelineError> {
        Ok(
            read_json::<Self>(&fold_dir(out, draw, fold).join(TEMPERATURE_FILE))
                .optional()?
                .filter(|r| r.format == TEMPERATURE_FORMAT && r.unscaled.len() == tests),
        )
    }
}
