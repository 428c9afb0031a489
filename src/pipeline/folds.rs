//! The one fold runner: every model evaluated on a draw (the recipe's classifier and the
//! baseline) goes through painter-eval's [`cross_validate`] as a [`FoldRunner`], which reuses the
//! folds an interrupted run finished, times and records every fold (predictions and class
//! probabilities, atomically), and prints one line per fold.
//!
//! A model only says how it learns: it implements [`FoldClassifier`] ("fit on these paintings,
//! give the class probabilities of those").

use super::protocol::{Protocol, ScoredFoldCurve, STOP_AT};
use super::state::{FoldRecord, ModelRole};
use super::PipelineError;
use painter_classify::TrainingHistory;
use painter_eval::{
    accuracy_score, argmax, cross_validate, CrossValidation, CrossValidationConfig, FoldModel,
    StratifiedKFold,
};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A fold to fit: its number, the run's fold count, its folder, its seed, and its training and
/// test paintings.
#[derive(Debug, Clone)]
pub struct Fold<'a> {
    /// The fold, from 1 (0 for the final model, trained on every painting).
    pub fold: usize,
    /// Folds in the draw.
    pub folds: usize,
    /// The fold's folder (`draw-<d>/fold-<k>`), where a model may save what it learned.
    pub dir: PathBuf,
    /// The fold's seed (the run's seed plus the fold's index).
    pub seed: u64,
    /// How the fold is scored: under [`Protocol::Paper`] the model also returns its
    /// [`FoldOutput::scored_fold`] curve.
    pub protocol: Protocol,
    /// The training paintings (indices into the draw's paintings).
    pub train: &'a [usize],
    /// The test paintings, whose class probabilities the model returns.
    pub test: &'a [usize],
}

/// What a model returns for a fold.
#[derive(Debug, Clone, Default)]
pub struct FoldOutput {
    /// The class probabilities of every test painting, in the order of the test indices.
    pub probabilities: Vec<Vec<f64>>,
    /// What the fold line says besides accuracy and time (e.g. the chosen C).
    pub details: String,
    /// Further lines to print under the fold line (warnings).
    pub notes: Vec<String>,
    /// The training history, for models trained by epochs.
    pub history: Option<TrainingHistory>,
    /// Under [`Protocol::Paper`], the test paintings' accuracy at every step of training (for a
    /// model that has no training choice, `None`).
    pub scored_fold: Option<ScoredFoldCurve>,
}

/// A model evaluated fold by fold.
pub trait FoldClassifier {
    /// Fits a fresh model on the fold's training paintings and returns the class probabilities
    /// of its test paintings; may save what it learned into `fold.dir`.
    fn fit_fold(&mut self, fold: &Fold<'_>) -> Result<FoldOutput, PipelineError>;
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

/// Runs a [`FoldClassifier`] over the folds of one draw (see the [module docs](self)).
pub struct FoldRunner<'a, C> {
    /// The model.
    pub classifier: C,
    /// Which model it is (it decides the record's file).
    pub role: ModelRole,
    /// The run folder.
    pub out: &'a Path,
    /// The draw, from 0.
    pub draw: usize,
    /// Folds in the draw.
    pub folds: usize,
    /// The run's seed.
    pub seed: u64,
    /// Every painting's label.
    pub labels: &'a [usize],
    /// Print a line per fold.
    pub verbose_folds: bool,
    /// Folds trained and reused so far.
    pub tally: FoldTally,
    /// How the folds are scored.
    pub protocol: Protocol,
    /// Under [`Protocol::Paper`], every fold's scored-fold curve, by fold index (from 0).
    pub scored: Vec<Option<ScoredFoldCurve>>,
}

impl<C: FoldClassifier> FoldRunner<'_, C> {
    /// Keeps fold `fold0`'s scored-fold curve.
    fn keep_curve(&mut self, fold0: usize, curve: Option<ScoredFoldCurve>) {
        if self.scored.len() <= fold0 {
            self.scored.resize(fold0 + 1, None);
        }
        self.scored[fold0] = curve;
    }

    fn accuracy(&self, test: &[usize], predictions: &[usize]) -> Result<f64, PipelineError> {
        let truth = test
            .iter()
            .map(|&i| {
                self.labels.get(i).copied().ok_or_else(|| {
                    PipelineError::CrossValidation(format!("test index {i} has no label"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(accuracy_score(&truth, predictions)?)
    }
}

impl<C: FoldClassifier> FoldModel for FoldRunner<'_, C> {
    type Error = PipelineError;

    fn fit_predict(
        &mut self,
        fold0: usize,
        train: &[usize],
        test: &[usize],
    ) -> Result<Vec<usize>, PipelineError> {
        let fold = fold0 + 1;
        let name = self.role.name();
        let reusable = FoldRecord::load_matching(self.out, self.role, self.draw, fold, test)?
            .filter(|r| self.protocol == Protocol::Honest || r.scored_fold.is_some());
        if let Some(record) = reusable {
            if self.verbose_folds {
                println!(
                    "  fold {fold}/{}: finished earlier (accuracy {:.4}), reused",
                    self.folds,
                    self.accuracy(test, &record.predictions)?
                );
            }
            self.tally.reused += 1;
            self.tally.seconds += record.seconds;
            self.keep_curve(fold0, record.scored_fold);
            return Ok(record.predictions);
        }
        let started = Instant::now();
        let output = self.classifier.fit_fold(&Fold {
            fold,
            folds: self.folds,
            dir: super::state::fold_dir(self.out, self.draw, fold),
            seed: self.seed.wrapping_add(fold0 as u64),
            protocol: self.protocol,
            train,
            test,
        })?;
        if output.probabilities.len() != test.len() {
            return Err(PipelineError::CrossValidation(format!(
                "the {name} gave {} probability rows for {} test paintings",
                output.probabilities.len(),
                test.len()
            )));
        }
        let predictions = output
            .probabilities
            .iter()
            .map(|p| {
                argmax(p).ok_or_else(|| {
                    PipelineError::CrossValidation(format!(
                        "the {name} gave no finite probability for a test painting"
                    ))
                })
            })
            .collect::<Result<Vec<usize>, _>>()?;
        let seconds = started.elapsed().as_secs_f64();
        if self.verbose_folds {
            println!(
                "  fold {fold}/{}: {} training paintings, {} test: accuracy {:.4}{}, {seconds:.1} s",
                self.folds,
                train.len(),
                test.len(),
                self.accuracy(test, &predictions)?,
                if output.details.is_empty() {
                    String::new()
                } else {
                    format!(", {}", output.details)
                }
            );
            for note in &output.notes {
                println!("    {note}");
            }
            if let Some(curve) = &output.scored_fold {
                let (best, stop) = (curve.best(), curve.stop_at(STOP_AT));
                println!(
                    "    paper protocol: best on the scored fold {}, stop at {:.0}%: {}",
                    curve.describe(best),
                    STOP_AT * 100.0,
                    curve.describe(stop)
                );
            }
        }
        FoldRecord {
            format: super::state::FOLD_FORMAT.into(),
            draw: self.draw,
            fold,
            train_images: train.len(),
            test: test.to_vec(),
            predictions: predictions.clone(),
            probabilities: Some(output.probabilities),
            history: output.history,
            scored_fold: output.scored_fold.clone(),
            seconds,
        }
        .save(self.out, self.role)?;
        self.keep_curve(fold0, output.scored_fold);
        self.tally.trained += 1;
        self.tally.seconds += seconds;
        Ok(predictions)
    }
}

/// The stratified K-fold splitter of a draw: shuffled with the run's seed plus the draw.
pub fn splitter(folds: usize, seed: u64, draw: usize) -> Result<StratifiedKFold, PipelineError> {
    Ok(StratifiedKFold::new(folds)?.shuffle(seed.wrapping_add(draw as u64)))
}

/// Cross-validates `runner`'s model on the folds of `split`: per-fold and pooled reports over
/// every class of `class_names`.
pub fn cross_validate_runner<C: FoldClassifier>(
    runner: &mut FoldRunner<'_, C>,
    split: &StratifiedKFold,
    class_names: &[String],
) -> Result<CrossValidation, PipelineError> {
    let config = CrossValidationConfig {
        class_names: Some(class_names.to_vec()),
        labels: Some((0..class_names.len()).collect()),
        quiet: true,
        ..Default::default()
    };
    let labels = runner.labels;
    cross_validate(runner, split, labels, &config).map_err(PipelineError::from_cv)
}
