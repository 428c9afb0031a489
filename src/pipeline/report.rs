//! The report stage: `report.txt` (the pooled scikit-learn-style classification report, per-fold
//! accuracy, mean +- std, the baseline beside it), `metrics.json` (every figure), `confusion.png`
//! (and `confusion_baseline.png`), and the run's summary line.

use super::cross_validation::DrawResult;
use super::pretrain::PretrainedCae;
use super::state::write_json;
use super::{PipelineError, ReproduceOptions};
use painter_data::PreparedData;
use painter_eval::{
    ClassificationReport, ConfusionMatrixPlot, CrossValidation, ReportConfig, ScoreSummary,
};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// The figures of the summary line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// Which model the figures are of: `classifier` or `baseline` (baseline-only runs).
    pub model: String,
    /// Painters (classes).
    pub painters: usize,
    /// Images per draw.
    pub images: usize,
    /// Folds per draw.
    pub folds: usize,
    /// Draws.
    pub draws: usize,
    /// Mean accuracy over every fold of every draw (the mean of the draws' mean accuracies).
    pub accuracy_mean: f64,
    /// Population standard deviation of the accuracy over every fold of every draw.
    pub accuracy_std: f64,
    /// Mean macro-averaged F1 over every fold of every draw.
    pub macro_f1: f64,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
}

impl RunSummary {
    /// The last line a run prints:
    /// `reproduce: painters=P images=N folds=K accuracy_mean=X accuracy_std=Y macro_f1=Z seconds=S`.
    pub fn line(&self) -> String {
        format!(
            "reproduce: painters={} images={} folds={} accuracy_mean={:.4} accuracy_std={:.4} macro_f1={:.4} seconds={:.1}",
            self.painters,
            self.images,
            self.folds,
            self.accuracy_mean,
            self.accuracy_std,
            self.macro_f1,
            self.seconds
        )
    }
}

/// Fold scores of all draws together.
fn all_folds(cvs: &[&CrossValidation]) -> (ScoreSummary, ScoreSummary) {
    let acc = cvs
        .iter()
        .flat_map(|cv| cv.accuracy.values.iter().copied())
        .collect();
    let f1 = cvs
        .iter()
        .flat_map(|cv| cv.macro_f1.values.iter().copied())
        .collect();
    (ScoreSummary::new(acc), ScoreSummary::new(f1))
}

/// The report over the test predictions of every fold of every draw pooled together.
fn pooled(
    draws: &[DrawResult],
    pick: impl Fn(&DrawResult) -> Option<&CrossValidation>,
    class_names: &[String],
) -> Result<Option<ClassificationReport>, PipelineError> {
    let (mut truth, mut pred) = (Vec::new(), Vec::new());
    for d in draws {
        let Some(cv) = pick(d) else { continue };
        for f in &cv.folds {
            for (&i, &p) in f.fold.test.iter().zip(&f.predictions) {
                if let Some(&t) = d.labels.get(i) {
                    truth.push(t);
                    pred.push(p);
                }
            }
        }
    }
    if truth.is_empty() {
        return Ok(None);
    }
    let config = ReportConfig::new()
        .labels((0..class_names.len()).collect::<Vec<_>>())
        .target_names(class_names.iter().cloned())
        .digits(4);
    Ok(Some(ClassificationReport::new(&truth, &pred, &config)?))
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics<'a> {
    /// The summary line's figures.
    pub summary: &'a RunSummary,
    /// The options of the run.
    pub options: &'a ReproduceOptions,
    /// The painters, in label order.
    pub painters: &'a [String],
    /// Where the data came from.
    pub data: &'a str,
    /// How the encoder was obtained (`None` for baseline-only runs).
    pub pretraining: Option<&'a str>,
    /// The classifier's report pooled over all folds and draws.
    pub classifier_pooled: Option<&'a ClassificationReport>,
    /// The baseline's report pooled over all folds and draws.
    pub baseline_pooled: Option<&'a ClassificationReport>,
    /// The baseline's accuracy over all folds and draws.
    pub baseline_accuracy: &'a ScoreSummary,
    /// The baseline's macro F1 over all folds and draws.
    pub baseline_macro_f1: &'a ScoreSummary,
    /// Every draw: its seed and both cross-validations (per-fold reports and predictions).
    pub draws: Vec<DrawMetrics<'a>>,
}

/// One draw in `metrics.json`.
#[derive(Debug, Clone, Serialize)]
pub struct DrawMetrics<'a> {
    /// The draw (from 0).
    pub draw: usize,
    /// Its seed.
    pub seed: u64,
    /// Folds trained in this run and reused from an interrupted one.
    pub trained_folds: usize,
    /// Folds reused.
    pub reused_folds: usize,
    /// The classifier's seconds (all folds).
    pub classifier_seconds: f64,
    /// The classifier's cross-validation.
    pub classifier: Option<&'a CrossValidation>,
    /// The baseline's cross-validation.
    pub baseline: &'a CrossValidation,
}

fn fold_lines(text: &mut String, name: &str, cv: &CrossValidation) {
    let _ = writeln!(text, "{name} per-fold accuracy:");
    let mut line = String::new();
    for (i, a) in cv.accuracy.values.iter().enumerate() {
        let _ = write!(line, " {}:{a:.4}", i + 1);
    }
    let _ = writeln!(text, " {}", line.trim_start());
    let _ = writeln!(
        text,
        "{name} accuracy mean +- std: {:.4} +- {:.4} (population std; sample std {:.4})",
        cv.accuracy.mean, cv.accuracy.std, cv.accuracy.sample_std
    );
    let _ = writeln!(
        text,
        "{name} macro F1 mean +- std: {:.4} +- {:.4}",
        cv.macro_f1.mean, cv.macro_f1.std
    );
}

/// Inputs of [`write_report`].
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// The options.
    pub options: &'a ReproduceOptions,
    /// The gathered data.
    pub data: &'a PreparedData,
    /// The encoder (`None` for baseline-only runs).
    pub cae: Option<&'a PretrainedCae>,
    /// Every draw.
    pub draws: &'a [DrawResult],
    /// Wall-clock seconds so far.
    pub seconds: f64,
    /// The machine, for the report (e.g. the CPU model and core count).
    pub machine: &'a str,
}

/// Writes `report.txt`, `metrics.json` and the confusion matrices; returns the summary.
pub fn write_report(inputs: ReportInputs<'_>) -> Result<RunSummary, PipelineError> {
    let ReportInputs {
        options,
        data,
        cae,
        draws,
        seconds,
        machine,
    } = inputs;
    let out = &options.out;
    let names = data.labelled.class_names().to_vec();
    let classifier_cvs: Vec<&CrossValidation> =
        draws.iter().filter_map(|d| d.classifier.as_ref()).collect();
    let baseline_cvs: Vec<&CrossValidation> = draws.iter().map(|d| &d.baseline).collect();
    let (b_acc, b_f1) = all_folds(&baseline_cvs);
    let classifier_pooled = pooled(draws, |d| d.classifier.as_ref(), &names)?;
    let baseline_pooled = pooled(draws, |d| Some(&d.baseline), &names)?;
    let images = draws.first().map_or(0, |d| d.labels.len());

    let (model, acc, f1) = if classifier_cvs.is_empty() {
        ("baseline", b_acc.clone(), b_f1.clone())
    } else {
        let (a, f) = all_folds(&classifier_cvs);
        ("classifier", a, f)
    };
    let summary = RunSummary {
        model: model.into(),
        painters: names.len(),
        images,
        folds: options.folds,
        draws: draws.len(),
        accuracy_mean: acc.mean,
        accuracy_std: acc.std,
        macro_f1: f1.mean,
        seconds,
    };

    let mut t = String::new();
    let _ = writeln!(t, "deep-painter reproduction report");
    let _ = writeln!(t, "================================");
    let _ = writeln!(t, "data: {}", data.description);
    let _ = writeln!(t, "painters ({}): {}", names.len(), names.join(", "));
    let _ = writeln!(
        t,
        "images per draw: {images}{}; {} draw(s); stratified {}-fold cross-validation (shuffled, seed {} + draw)",
        options
            .per_painter
            .map_or(" (all images of each painter)".into(), |n| format!(" ({n} per painter, drawn with seed {} + draw)", options.seed)),
        draws.len(),
        options.folds,
        options.seed
    );
    let _ = writeln!(
        t,
        "image size: {0}x{0} (padded)",
        options.effective_image_size()?
    );
    if let Some(cae) = cae {
        let several = !cae.more_descriptions.is_empty();
        let _ = writeln!(
            t,
            "pretraining: {}{}",
            if several { "encoder 1: " } else { "" },
            cae.description
        );
        if let Some(r) = &cae.record {
            let _ = writeln!(
                t,
                "  {} (first epoch's training MSE {}), {} train / {} validation images, {:.1} s",
                r.summary(),
                r.first_train_mse
                    .map_or("n/a".into(), |m| format!("{m:.6}")),
                r.split.0,
                r.split.1,
                r.seconds
            );
        }
        for (k, d) in cae.more_descriptions.iter().enumerate() {
            let _ = writeln!(t, "  encoder {}: {d}", k + 2);
        }
        if options.head == super::HeadChoice::Linear {
            let fs = options.feature_image_size()?;
            let _ = writeln!(
                t,
                "classifier: linear probe on the frozen encoder{}: per-channel mean and std of every encoder stage{} and of the latent maps, of each image at {fs}x{fs}{}{}; standardized; multinomial logistic regression (L2, L-BFGS), C chosen from {:?} by 5-fold stratified cross-validation inside each fold's training part",
                if several {
                    format!("s (an ensemble of {}, statistics concatenated)", 1 + cae.more_descriptions.len())
                } else {
                    String::new()
                },
                if options.statistics_slope == 0.0 {
                    String::new()
                } else {
                    format!(
                        " read through a leaky ReLU of negative slope {} in place of its ReLUs",
                        options.statistics_slope
                    )
                },
                options.patch_size.map_or(String::new(), |p| format!(
                    " by patches of {p}x{p} (stride {}; an image's prediction is the mean log-probability of its patches)",
                    p / 2
                )),
                if options.statistics_scales == [1] {
                    String::new()
                } else {
                    format!(
                        ", each read at scales {:?} (averaged over SxS blocks) and the statistics of every scale concatenated",
                        options.statistics_scales
                    )
                },
                options.c_grid
            );
        } else {
            let _ = writeln!(
                t,
                "classifier: head {}, dropout {}, encoder {}, AdamW lr {}, up to {} epochs, batch {}, early stopping (patience {}) on {:.0}% of each fold's training part{}",
                options.head.name(),
                options.dropout,
                options.fine_tune.map_or("frozen".into(), |lr| format!("fine-tuned (lr {lr})")),
                options.learning_rate,
                options.epochs,
                options.batch,
                options.patience,
                options.early_stopping_fraction * 100.0,
                if options.augment { ", flip + crop augmentation" } else { "" }
            );
        }
        for n in &cae.notes {
            let _ = writeln!(t, "note: {n}");
        }
    }
    let _ = writeln!(t, "baseline: {}", options.baseline.describe());
    let _ = writeln!(t, "machine: {machine}");
    let _ = writeln!(t);

    if let Some(p) = &classifier_pooled {
        let _ = writeln!(
            t,
            "CAE + classifier: pooled classification report (every test prediction of every fold{})",
            if draws.len() > 1 { " and draw" } else { "" }
        );
        let _ = writeln!(t);
        let _ = writeln!(t, "{}", p.to_text());
        for (d, cv) in draws.iter().zip(classifier_cvs.iter()) {
            let name = if draws.len() > 1 {
                format!("classifier (draw {}, seed {})", d.draw, d.seed)
            } else {
                "classifier".into()
            };
            fold_lines(&mut t, &name, cv);
        }
        if draws.len() > 1 {
            let _ = writeln!(
                t,
                "classifier over all {} folds of {} draws: accuracy {:.4} +- {:.4}, macro F1 {:.4}",
                acc.values.len(),
                draws.len(),
                acc.mean,
                acc.std,
                f1.mean
            );
        }
        let _ = writeln!(t);
    }
    if let Some(p) = &baseline_pooled {
        let _ = writeln!(
            t,
            "baseline ({}): pooled classification report, same folds",
            options.baseline.describe()
        );
        let _ = writeln!(t);
        let _ = writeln!(t, "{}", p.to_text());
        for d in draws {
            let name = if draws.len() > 1 {
                format!("baseline (draw {}, seed {})", d.draw, d.seed)
            } else {
                "baseline".into()
            };
            fold_lines(&mut t, &name, &d.baseline);
        }
        if draws.len() > 1 {
            let _ = writeln!(
                t,
                "baseline over all {} folds of {} draws: accuracy {:.4} +- {:.4}, macro F1 {:.4}",
                b_acc.values.len(),
                draws.len(),
                b_acc.mean,
                b_acc.std,
                b_f1.mean
            );
        }
        let _ = writeln!(t);
    }
    let trained: usize = draws.iter().map(|d| d.trained_folds).sum();
    let reused: usize = draws.iter().map(|d| d.reused_folds).sum();
    if reused > 0 {
        let _ = writeln!(t, "resumed: {reused} fold(s) reused from an interrupted run, {trained} trained in this run");
    }
    let _ = writeln!(t, "{}", summary.line());
    write_text(&out.join("report.txt"), &t)?;

    let metrics = Metrics {
        summary: &summary,
        options,
        painters: &names,
        data: &data.description,
        pretraining: cae.map(|c| c.description.as_str()),
        classifier_pooled: classifier_pooled.as_ref(),
        baseline_pooled: baseline_pooled.as_ref(),
        baseline_accuracy: &b_acc,
        baseline_macro_f1: &b_f1,
        draws: draws
            .iter()
            .map(|d| DrawMetrics {
                draw: d.draw,
                seed: d.seed,
                trained_folds: d.trained_folds,
                reused_folds: d.reused_folds,
                classifier_seconds: d.classifier_seconds,
                classifier: d.classifier.as_ref(),
                baseline: &d.baseline,
            })
            .collect(),
    };
    write_json(&out.join("metrics.json"), &metrics)?;

    let suffix = if draws.len() > 1 {
        ", all folds and draws"
    } else {
        ", all folds"
    };
    if let Some(p) = &classifier_pooled {
        ConfusionMatrixPlot::new(&p.confusion_matrix)
            .names(names.iter().cloned())
            .title(format!("CAE + classifier{suffix}"))
            .save_png(&out.join("confusion.png"))?;
    }
    if let Some(p) = &baseline_pooled {
        let file = if classifier_pooled.is_some() {
            "confusion_baseline.png"
        } else {
            "confusion.png"
        };
        ConfusionMatrixPlot::new(&p.confusion_matrix)
            .names(names.iter().cloned())
            .title(format!("colour histogram + NN{suffix}"))
            .save_png(&out.join(file))?;
    }
    Ok(summary)
}

fn write_text(path: &Path, text: &str) -> Result<(), PipelineError> {
    painter_data::atomic::write_atomic(path, text.as_bytes())
        .map_err(|e| PipelineError::io(path, e))
}
