//! One draw of the cross-validation stage: the recipe's classifier and the colour-histogram
//! baseline, each through the one [`FoldRunner`], on the very same stratified folds.

use super::dense::DenseFolds;
use super::final_model::{fit_final, FinalFit};
use super::folds::{
    cross_validate_runner, splitter, Fold, FoldClassifier, FoldOutput, FoldRunner, FoldTally,
};
use super::probe::{channel_statistics, extractor, ProbeFolds};
use super::protocol::{PaperScores, Protocol, STOP_AT};
use super::state::ModelRole;
use super::{Experiment, PipelineError};
use crate::recipe::ClassifierRecipe;
use candle_core::Device;
use painter_classify::PretrainedEncoder;
use painter_data::labels_of;
use painter_data::Dataset;
use painter_eval::{CrossValidation, StratifiedKFold};
use painter_handcrafted::{Descriptors, HandcraftedModel};
use std::time::Instant;

/// The outcome of one draw.
#[derive(Debug, Clone)]
pub struct DrawResult {
    /// The draw (from 0).
    pub draw: usize,
    /// The seed of its painting selection and folds.
    pub seed: u64,
    /// The true label of every painting of the draw.
    pub labels: Vec<usize>,
    /// The classifier's cross-validation.
    pub classifier: CrossValidation,
    /// The classifier's folds trained and reused, and their seconds (with the statistics).
    pub classifier_tally: FoldTally,
    /// Under the paper's protocol, the classifier's figures on the same folds scored as the
    /// paper's wording allows.
    pub paper: Option<PaperScores>,
    /// The baseline's cross-validation on the same folds.
    pub baseline: CrossValidation,
    /// Seconds of the baseline.
    pub baseline_seconds: f64,
    /// The final model trained on every painting of the draw (draw 0 with
    /// `output.final_model`), saved in `RUN_DIR/model/`.
    pub final_fit: Option<FinalFit>,
}

/// The hand-crafted baseline as a fold model: painter-handcrafted's fold entry over the draw's
/// descriptors (a test painting gets probability 1 for its predicted painter).
struct BaselineFolds<'a> {
    model: HandcraftedModel<'a>,
}

impl FoldClassifier for BaselineFolds<'_> {
    fn fit_fold(&mut self, fold: &Fold<'_>) -> Result<FoldOutput, PipelineError> {
        let predictions = self.model.fit_predict(fold.train, fold.test)?;
        Ok(FoldOutput {
            probabilities: predictions.probabilities,
            details: predictions.details,
            ..FoldOutput::default()
        })
    }
}

/// What [`evaluate`] returns: the cross-validation, the folds' tally, and under the paper's
/// protocol the model's figures scored on the same folds (`None` for a model without a training
/// choice, such as the baseline).
type Evaluation = (CrossValidation, FoldTally, Option<PaperScores>);

/// Runs `classifier` over the folds of `split` with the one fold runner.
fn evaluate<C: FoldClassifier>(
    experiment: &Experiment,
    role: ModelRole,
    draw: usize,
    labels: &[usize],
    classifier: C,
    split: &StratifiedKFold,
    class_names: &[String],
) -> Result<Evaluation, PipelineError> {
    let mut runner = FoldRunner {
        classifier,
        role,
        out: &experiment.run.out,
        draw,
        folds: experiment.run.folds,
        seed: experiment.run.seed,
        labels,
        verbose_folds: role == ModelRole::Classifier,
        tally: FoldTally::default(),
        protocol: experiment.run.protocol,
        scored: Vec::new(),
    };
    let cv = cross_validate_runner(&mut runner, split, class_names)?;
    let curves: Option<Vec<_>> = runner.scored.iter().cloned().collect();
    let paper = match curves {
        Some(c) if c.len() == cv.folds.len() && !c.is_empty() => Some(PaperScores::of(c)),
        _ => None,
    };
    Ok((cv, runner.tally, paper))
}

/// With `output.final_model`, on draw 0: trains `classifier` (which saves its model) on every
/// painting of the draw, after its cross-validation.
fn final_fit<C: FoldClassifier>(
    experiment: &Experiment,
    draw: usize,
    paintings: usize,
    mut classifier: C,
) -> Result<Option<FinalFit>, PipelineError> {
    if draw != 0 || !experiment.recipe.output.final_model {
        return Ok(None);
    }
    let run = &experiment.run;
    println!("  final model: the classifier trained on all {paintings} paintings");
    let fit = fit_final(&mut classifier, &run.out, run.folds, run.seed, paintings)?;
    println!("  final model: {} ({:.1} s)", fit.details, fit.seconds);
    Ok(Some(fit))
}

/// The classifier made by `folds` cross-validated on the draw (saving its fold models as the
/// recipe's `output.fold_models` says), then its final model (see [`final_fit`]).
fn evaluate_then_fit<C: FoldClassifier>(
    experiment: &Experiment,
    draw: usize,
    labels: &[usize],
    split: &StratifiedKFold,
    names: &[String],
    folds: impl Fn(bool) -> Result<C, PipelineError>,
) -> Result<(Evaluation, Option<FinalFit>), PipelineError> {
    let evaluation = evaluate(
        experiment,
        ModelRole::Classifier,
        draw,
        labels,
        folds(experiment.recipe.output.fold_models)?,
        split,
        names,
    )?;
    let fit = final_fit(experiment, draw, labels.len(), folds(true)?)?;
    Ok((evaluation, fit))
}

/// The recipe's classifier on the folds of one draw, then its final model (see [`final_fit`]).
fn classify(
    experiment: &Experiment,
    draw: usize,
    dataset: &dyn Dataset,
    labels: &[usize],
    split: &StratifiedKFold,
    encoders: &[PretrainedEncoder],
    device: &Device,
) -> Result<(Evaluation, Option<FinalFit>), PipelineError> {
    let names = dataset.class_names();
    match &experiment.recipe.classifier {
        ClassifierRecipe::Probe(recipe) => {
            let side = recipe.image_size;
            println!(
                "  computing the channel statistics of the {} of the draw's {} paintings at {side}x{side} px",
                if encoders.len() > 1 {
                    format!("{} frozen encoders", encoders.len())
                } else {
                    "frozen encoder".into()
                },
                dataset.len()
            );
            let started = Instant::now();
            let extractor = extractor(recipe, encoders)?;
            let features = channel_statistics(&extractor, dataset, device, experiment.run.verbose)?;
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "  {} statistics per {} ({} rows, {seconds:.1} s)",
                features.matrix().columns(),
                if recipe.patch_size > 0 {
                    "patch"
                } else {
                    "painting"
                },
                features.matrix().rows()
            );
            let folds = |save_models| {
                Ok(ProbeFolds {
                    recipe,
                    extractor: &extractor,
                    features: &features,
                    labels,
                    class_names: names,
                    save_models,
                })
            };
            let ((cv, mut tally, paper), fit) =
                evaluate_then_fit(experiment, draw, labels, split, names, folds)?;
            tally.seconds += seconds;
            Ok(((cv, tally, paper), fit))
        }
        ClassifierRecipe::Dense(recipe) => {
            let [encoder] = encoders else {
                return Err(PipelineError::InvalidOption(format!(
                    "a dense head starts from one encoder, not {}",
                    encoders.len()
                )));
            };
            let verbose = experiment.run.verbose;
            let folds = |save_models| {
                Ok(DenseFolds {
                    save_models,
                    ..DenseFolds::new(recipe, dataset, encoder, verbose)?
                })
            };
            evaluate_then_fit(experiment, draw, labels, split, names, folds)
        }
    }
}

/// Runs one draw: the classifier's cross-validation and the baseline's, on the same folds.
pub fn run_draw(
    experiment: &Experiment,
    draw: usize,
    dataset: &dyn Dataset,
    encoders: &[PretrainedEncoder],
    device: &Device,
) -> Result<DrawResult, PipelineError> {
    let run = &experiment.run;
    let labels = labels_of(dataset)?;
    let split = splitter(run.folds, run.seed, draw)?;
    let ((classifier, classifier_tally, paper), final_fit) =
        classify(experiment, draw, dataset, &labels, &split, encoders, device)?;
    println!(
        "  classifier: accuracy {:.4} +- {:.4} over {} folds, macro F1 {:.4}",
        classifier.accuracy.mean, classifier.accuracy.std, run.folds, classifier.macro_f1.mean
    );
    if run.protocol == Protocol::Paper {
        let Some(p) = &paper else {
            return Err(PipelineError::CrossValidation(
                "the paper's protocol: a fold of the classifier gave no scored-fold curve".into(),
            ));
        };
        println!(
            "  classifier, paper's protocol on the same folds: best on the scored fold {:.4} +- {:.4}, stop at {:.0}% {:.4} +- {:.4} (honest {:.4})",
            p.best_on_fold.mean,
            p.best_on_fold.std,
            STOP_AT * 100.0,
            p.stop_at_80.mean,
            p.stop_at_80.std,
            classifier.accuracy.mean
        );
    }
    let started = Instant::now();
    let config = experiment.recipe.baseline;
    let method = config.handcrafted();
    let descriptors: Descriptors = method.descriptors(dataset)?;
    let baseline = BaselineFolds {
        model: HandcraftedModel::new(&method, &descriptors)?,
    };
    let (baseline, _, _) = evaluate(
        experiment,
        ModelRole::Baseline,
        draw,
        &labels,
        baseline,
        &split,
        dataset.class_names(),
    )?;
    let baseline_seconds = started.elapsed().as_secs_f64();
    println!(
        "  baseline ({}): accuracy {:.4} +- {:.4}, macro F1 {:.4}, {baseline_seconds:.1} s",
        config.describe(),
        baseline.accuracy.mean,
        baseline.accuracy.std,
        baseline.macro_f1.mean
    );
    Ok(DrawResult {
        draw,
        seed: run.seed.wrapping_add(draw as u64),
        labels,
        classifier,
        classifier_tally,
        paper,
        baseline,
        baseline_seconds,
        final_fit,
    })
}
