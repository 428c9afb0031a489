//! The report stage: `report.txt` (the pooled scikit-learn-style classification report, per-fold
//! accuracy, mean +- std, the baseline beside it), `metrics.json` (every figure), `confusion.png`
//! (and `confusion_baseline.png`), and the run's summary line.

use super::draw::DrawResult;
use super::pretrain::Encoders;
use super::protocol::{PaperScores, Protocol, STOP_AT};
use super::{Experiment, PipelineError};
use painter_data::PreparedData;
use painter_eval::{
    ClassificationReport, ConfusionMatrixPlot, CrossValidation, ReportConfig, ScoreSummary,
};
use painter_io::write_json;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::Path;

/// The figures of the summary line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The recipe, as `name@version`.
    pub recipe: String,
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
    /// Under the paper's protocol, its figures on the same folds (the fields above stay the
    /// honest ones).
    #[serde(default)]
    pub paper: Option<PaperSummary>,
}

/// The paper's figures over every fold of every draw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PaperSummary {
    /// Mean of the best accuracy on the scored fold over training.
    pub best_on_fold_mean: f64,
    /// Its population standard deviation over the folds.
    pub best_on_fold_std: f64,
    /// Mean accuracy where the stop-at-80% rule stops.
    pub stop_at_80_mean: f64,
    /// Its population standard deviation over the folds.
    pub stop_at_80_std: f64,
}

impl RunSummary {
    /// The last line a run prints: `reproduce: recipe=NAME@V painters=P images=N folds=K
    /// accuracy_mean=X accuracy_std=Y macro_f1=Z seconds=S`; under the paper's protocol
    /// `reproduce: recipe=NAME@V protocol=paper painters=P images=N folds=K accuracy_mean=X
    /// accuracy_std=Y stop80_accuracy_mean=X stop80_accuracy_std=Y honest_accuracy_mean=X
    /// honest_accuracy_std=Y honest_macro_f1=Z seconds=S`, where `accuracy_*` is the best
    /// accuracy on the scored fold over training.
    pub fn line(&self) -> String {
        if let Some(p) = &self.paper {
            return format!(
                "reproduce: recipe={} protocol=paper painters={} images={} folds={} accuracy_mean={:.4} accuracy_std={:.4} stop80_accuracy_mean={:.4} stop80_accuracy_std={:.4} honest_accuracy_mean={:.4} honest_accuracy_std={:.4} honest_macro_f1={:.4} seconds={:.1}",
                self.recipe,
                self.painters,
                self.images,
                self.folds,
                p.best_on_fold_mean,
                p.best_on_fold_std,
                p.stop_at_80_mean,
                p.stop_at_80_std,
                self.accuracy_mean,
                self.accuracy_std,
                self.macro_f1,
                self.seconds
            );
        }
        format!(
            "reproduce: recipe={} painters={} images={} folds={} accuracy_mean={:.4} accuracy_std={:.4} macro_f1={:.4} seconds={:.1}",
            self.recipe,
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
pub(crate) fn pooled(
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
    /// The resolved recipe (as `recipe.toml` holds it).
    pub recipe: &'a str,
    /// The run's data settings.
    pub run: &'a super::RunOptions,
    /// The painters, in label order.
    pub painters: &'a [String],
    /// Where the data came from.
    pub data: &'a str,
    /// How every encoder was obtained.
    pub encoders: Vec<&'a str>,
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
    /// How the folds were scored.
    pub protocol: Protocol,
    /// The honest figure and, under the paper's protocol, the paper's two, over every fold of
    /// every draw, with standard errors.
    pub protocols: Vec<ProtocolFigure>,
}

/// One protocol's accuracy over every fold of every draw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProtocolFigure {
    /// `honest`, `best_on_scored_fold` or `stop_at_80`.
    pub protocol: &'static str,
    /// Folds.
    pub folds: usize,
    /// Mean accuracy.
    pub mean: f64,
    /// Population standard deviation over the folds.
    pub std: f64,
    /// Standard error of the mean (sample standard deviation over the square root of the folds).
    pub standard_error: f64,
}

impl ProtocolFigure {
    fn of(protocol: &'static str, s: &ScoreSummary) -> Self {
        Self {
            protocol,
            folds: s.values.len(),
            mean: s.mean,
            std: s.std,
            standard_error: s.standard_error(),
        }
    }
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
    pub classifier: &'a CrossValidation,
    /// The baseline's cross-validation.
    pub baseline: &'a CrossValidation,
    /// Under the paper's protocol, the classifier's curves and figures on the same folds.
    pub paper: Option<&'a PaperScores>,
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

/// One model's part of `report.txt`: its pooled report, each draw's fold accuracies and, with
/// several draws, the figures over all of them.
fn model_section(
    text: &mut String,
    title: &str,
    name: &str,
    pooled: Option<&ClassificationReport>,
    draws: &[DrawResult],
    pick: impl Fn(&DrawResult) -> &CrossValidation,
) {
    let Some(p) = pooled else { return };
    let _ = writeln!(text, "{title}");
    let _ = writeln!(text);
    let _ = writeln!(text, "{}", p.to_text());
    for d in draws {
        let label = if draws.len() > 1 {
            format!("{name} (draw {}, seed {})", d.draw, d.seed)
        } else {
            name.to_string()
        };
        fold_lines(text, &label, pick(d));
    }
    if draws.len() > 1 {
        let cvs: Vec<&CrossValidation> = draws.iter().map(&pick).collect();
        let (acc, f1) = all_folds(&cvs);
        let _ = writeln!(
            text,
            "{name} over all {} folds of {} draws: accuracy {:.4} +- {:.4}, macro F1 {:.4}",
            acc.values.len(),
            draws.len(),
            acc.mean,
            acc.std,
            f1.mean
        );
    }
    let _ = writeln!(text);
}

/// The paper's protocol beside the honest one in `report.txt`: fold by fold (with the step
/// each figure was taken at), then the means with standard errors.
fn protocol_section(text: &mut String, draws: &[DrawResult], honest: &ScoreSummary) {
    let all: Vec<&PaperScores> = draws.iter().filter_map(|d| d.paper.as_ref()).collect();
    if all.len() != draws.len() || all.is_empty() {
        return;
    }
    let _ = writeln!(
        text,
        "the paper's protocol on the same folds (the classifier trained on the other folds and scored on the fold at every step of its training):"
    );
    let _ = writeln!(
        text,
        "  best on the scored fold: its best accuracy over training; stop at {:.0}%: the first step reaching {:.0}% on it, else the last",
        STOP_AT * 100.0,
        STOP_AT * 100.0
    );
    for (d, p) in draws.iter().zip(&all) {
        for (k, curve) in p.curves.iter().enumerate() {
            let (best, stop) = (curve.best(), curve.stop_at(STOP_AT));
            let honest = d
                .classifier
                .accuracy
                .values
                .get(k)
                .copied()
                .unwrap_or(f64::NAN);
            let _ = writeln!(
                text,
                "  draw {} fold {:2}: honest {honest:.4}  best on fold {}  stop at {:.0}% {}",
                d.draw,
                k + 1,
                curve.describe(best),
                STOP_AT * 100.0,
                curve.describe(stop)
            );
        }
    }
    let pooled = PaperScores::pooled(all.iter().copied());
    for (name, paper) in [
        ("best on the scored fold", &pooled.best_on_fold),
        ("stop at 80%", &pooled.stop_at_80),
    ] {
        let gains: Vec<f64> = paper
            .values
            .iter()
            .zip(&honest.values)
            .map(|(p, h)| p - h)
            .collect();
        let count = |keep: fn(f64) -> bool| gains.iter().filter(|&&g| keep(g)).count();
        let (better, equal, worse) = (count(|g| g > 0.0), count(|g| g == 0.0), count(|g| g < 0.0));
        let gains = ScoreSummary::new(gains);
        let _ = writeln!(
            text,
            "  paired, fold by fold, {name} minus honest: {:+.4} (standard error {:.4}); folds higher / equal / lower {better}/{equal}/{worse}",
            gains.mean,
            gains.standard_error()
        );
    }
    for (name, s) in [
        ("honest (nested)", honest),
        ("paper: best on the scored fold", &pooled.best_on_fold),
        ("paper: stop at 80% on the scored fold", &pooled.stop_at_80),
    ] {
        let _ = writeln!(
            text,
            "  {name}: accuracy {:.4} +- {:.4} (standard error {:.4}, {} folds)",
            s.mean,
            s.std,
            s.standard_error(),
            s.values.len()
        );
    }
    let _ = writeln!(text);
}

/// Inputs of [`write_report`].
#[derive(Debug, Clone, Copy)]
pub struct ReportInputs<'a> {
    /// The experiment.
    pub experiment: &'a Experiment,
    /// The gathered data.
    pub data: &'a PreparedData,
    /// The encoders.
    pub encoders: &'a Encoders,
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
        experiment,
        data,
        encoders,
        draws,
        seconds,
        machine,
    } = inputs;
    let run = &experiment.run;
    let recipe = &experiment.recipe;
    let out = &run.out;
    let names = data.labelled.class_names().to_vec();
    let classifier_cvs: Vec<&CrossValidation> = draws.iter().map(|d| &d.classifier).collect();
    let baseline_cvs: Vec<&CrossValidation> = draws.iter().map(|d| &d.baseline).collect();
    let (b_acc, b_f1) = all_folds(&baseline_cvs);
    let (acc, f1) = all_folds(&classifier_cvs);
    let classifier_pooled = pooled(draws, |d| Some(&d.classifier), &names)?;
    let baseline_pooled = pooled(draws, |d| Some(&d.baseline), &names)?;
    let images = draws.first().map_or(0, |d| d.labels.len());
    let paper_all = (run.protocol == Protocol::Paper
        && !draws.is_empty()
        && draws.iter().all(|d| d.paper.is_some()))
    .then(|| PaperScores::pooled(draws.iter().filter_map(|d| d.paper.as_ref())));
    let summary = RunSummary {
        recipe: recipe.label(),
        painters: names.len(),
        images,
        folds: run.folds,
        draws: draws.len(),
        accuracy_mean: acc.mean,
        accuracy_std: acc.std,
        macro_f1: f1.mean,
        seconds,
        paper: paper_all.as_ref().map(|p| PaperSummary {
            best_on_fold_mean: p.best_on_fold.mean,
            best_on_fold_std: p.best_on_fold.std,
            stop_at_80_mean: p.stop_at_80.mean,
            stop_at_80_std: p.stop_at_80.std,
        }),
    };

    let mut t = String::new();
    let _ = writeln!(t, "deep-painter reproduction report");
    let _ = writeln!(t, "================================");
    let _ = writeln!(
        t,
        "recipe: {} ({}): {}; resolved in recipe.toml",
        recipe.label(),
        recipe.origin,
        recipe.description
    );
    let _ = writeln!(t, "data: {}", data.description);
    if !data.unreadable.is_empty() {
        let _ = writeln!(
            t,
            "left out (--skip-unreadable): {} unreadable image(s)",
            data.unreadable.len()
        );
        for image in &data.unreadable {
            let _ = writeln!(t, "  {image}");
        }
    }
    let _ = writeln!(t, "painters ({}): {}", names.len(), names.join(", "));
    let _ = writeln!(
        t,
        "paintings per draw: {images}{}; {} draw(s); stratified {}-fold cross-validation (shuffled, seed {} + draw)",
        run.per_painter.map_or(" (all paintings of each painter)".into(), |n| format!(
            " ({n} per painter, drawn with seed {} + draw)",
            run.seed
        )),
        draws.len(),
        run.folds,
        run.seed
    );
    for (k, m) in encoders.members.iter().enumerate() {
        let _ = writeln!(t, "encoder {}: {}", k + 1, m.description);
    }
    let _ = writeln!(t, "classifier: {}", recipe.classifier.describe());
    for n in &encoders.notes {
        let _ = writeln!(t, "note: {n}");
    }
    let _ = writeln!(t, "baseline: {}", recipe.baseline.describe());
    let _ = writeln!(
        t,
        "protocol: {}",
        match run.protocol {
            Protocol::Honest => "honest (nested: nothing of a scored fold steers training)",
            Protocol::Paper =>
                "paper (the honest figure, and beside it the paper's on the same folds: best on the scored fold, stop at 80% on it)",
        }
    );
    let _ = writeln!(t, "machine: {machine}");
    let _ = writeln!(t);

    let classifier_title = format!(
        "CAE + classifier: pooled classification report (every test prediction of every fold{})",
        if draws.len() > 1 { " and draw" } else { "" }
    );
    model_section(
        &mut t,
        &classifier_title,
        "classifier",
        classifier_pooled.as_ref(),
        draws,
        |d| &d.classifier,
    );
    protocol_section(&mut t, draws, &acc);
    let baseline_title = format!(
        "baseline ({}): pooled classification report, same folds",
        recipe.baseline.describe()
    );
    model_section(
        &mut t,
        &baseline_title,
        "baseline",
        baseline_pooled.as_ref(),
        draws,
        |d| &d.baseline,
    );
    let trained: usize = draws.iter().map(|d| d.classifier_tally.trained).sum();
    let reused: usize = draws.iter().map(|d| d.classifier_tally.reused).sum();
    if reused > 0 {
        let _ = writeln!(t, "resumed: {reused} fold(s) reused from an interrupted run, {trained} trained in this run");
    }
    let _ = writeln!(t, "{}", summary.line());
    write_text(&out.join("report.txt"), &t)?;

    let resolved = recipe.to_toml(None)?;
    let metrics = Metrics {
        summary: &summary,
        recipe: &resolved,
        run,
        painters: &names,
        data: &data.description,
        encoders: encoders
            .members
            .iter()
            .map(|m| m.description.as_str())
            .collect(),
        classifier_pooled: classifier_pooled.as_ref(),
        baseline_pooled: baseline_pooled.as_ref(),
        baseline_accuracy: &b_acc,
        baseline_macro_f1: &b_f1,
        draws: draws
            .iter()
            .map(|d| DrawMetrics {
                draw: d.draw,
                seed: d.seed,
                trained_folds: d.classifier_tally.trained,
                reused_folds: d.classifier_tally.reused,
                classifier_seconds: d.classifier_tally.seconds,
                classifier: &d.classifier,
                baseline: &d.baseline,
                paper: d.paper.as_ref(),
            })
            .collect(),
        protocol: run.protocol,
        protocols: std::iter::once(ProtocolFigure::of("honest", &acc))
            .chain(paper_all.iter().flat_map(|p| {
                [
                    ProtocolFigure::of("best_on_scored_fold", &p.best_on_fold),
                    ProtocolFigure::of("stop_at_80", &p.stop_at_80),
                ]
            }))
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
        ConfusionMatrixPlot::new(&p.confusion_matrix)
            .names(names.iter().cloned())
            .title(format!("colour histogram + NN{suffix}"))
            .save_png(&out.join("confusion_baseline.png"))?;
    }
    Ok(summary)
}

fn write_text(path: &Path, text: &str) -> Result<(), PipelineError> {
    Ok(painter_io::write_atomic(path, text.as_bytes())?)
}
