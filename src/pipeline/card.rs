//! The model card of a run's final model: `RUN_DIR/model/card.json` ([`ModelCard`]) and
//! `MODEL.md`, with the figures a person needs to trust an answer, all from the run's
//! cross-validated predictions (every fold's test probabilities, as the fold records hold them):
//!
//! - the painters, the recipe, the date and the command that made it;
//! - the cross-validated accuracy (mean, standard deviation and standard error over the folds),
//!   the per-painter recall;
//! - calibration (painter-eval's [`Calibration`]: ECE, MCE, log loss, `reliability.png`), before
//!   and after the temperature when the recipe fits one;
//! - what `predict --min-confidence P` costs and gains ([`SelectiveAccuracy`], `coverage.png`);
//! - where the data came from (source, counts, and the rows of the data folder's `SOURCES.tsv`
//!   for the painters used, copied beside the model).

use super::draw::DrawResult;
use super::final_model::{model_dir, FinalFit, TemperatureRecord};
use super::report::ReportInputs;
use super::state::{FoldRecord, ModelRole};
use super::{DataSource, PipelineError, RunSummary};
use painter_eval::{Calibration, ScoreSummary, SelectiveAccuracy, SelectivePoint};
use painter_io::{read_json, write_json, FileError, Optional};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The card's JSON file in the model folder.
pub const CARD_FILE: &str = "card.json";
/// The card as Markdown in the model folder.
pub const CARD_MARKDOWN: &str = "MODEL.md";
/// The provenance rows copied from the data folder.
pub const SOURCES_FILE: &str = "SOURCES.tsv";
const CARD_FORMAT: &str = "deep-painter-model-card/1";
/// Confidence bins of the reliability diagram.
pub const CALIBRATION_BINS: usize = 10;
/// The thresholds of the coverage/accuracy trade-off: 0, 0.05, ..., 0.95.
pub fn thresholds() -> Vec<f64> {
    (0..20).map(|i| i as f64 * 0.05).collect()
}

/// The cross-validated accuracy of the recipe's classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvFigures {
    /// Folds per draw.
    pub folds: usize,
    /// Draws.
    pub draws: usize,
    /// The accuracy of every fold of every draw.
    pub fold_accuracies: Vec<f64>,
    /// Their mean.
    pub accuracy_mean: f64,
    /// Their population standard deviation.
    pub accuracy_std: f64,
    /// The standard error of the mean: sample standard deviation / sqrt(folds).
    pub accuracy_standard_error: f64,
    /// The mean macro-averaged F1 over the folds.
    pub macro_f1: f64,
}

/// One painter's pooled cross-validated figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PainterFigures {
    /// The painter.
    pub painter: String,
    /// The share of their paintings attributed to them.
    pub recall: f64,
    /// The share of the attributions to them that were right.
    pub precision: f64,
    /// Their paintings tested.
    pub support: u64,
}

/// The calibration of the cross-validated probabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationFigures {
    /// The probabilities the model gives (after the temperature, if any).
    pub calibration: Calibration,
    /// The same predictions before the temperature (with `classifier.temperature` only).
    pub before_temperature: Option<Calibration>,
    /// Every fold's temperature, fitted inside its training paintings (empty without).
    pub fold_temperatures: Vec<f64>,
}

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// The labelled data.
    pub source: String,
    /// The unlabeled paintings the encoders were pretrained on, if a folder.
    pub unlabeled: Option<String>,
    /// Paintings the final model was trained on.
    pub paintings: usize,
    /// Of each painter.
    pub per_painter: Vec<(String, usize)>,
    /// The data folder's `SOURCES.tsv`, when it has one: its rows for these painters.
    pub sources: Option<SourcesSummary>,
}

/// The provenance rows copied from the data folder's `SOURCES.tsv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourcesSummary {
    /// The copy in the model folder.
    pub file: String,
    /// Its rows (without the header).
    pub rows: usize,
    /// Rows per distinct value of the columns whose name does not mention a path (e.g.
    /// repository and commit).
    pub origins: Vec<(String, usize)>,
}

/// Everything the model card says (see the [module docs](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    /// Always `deep-painter-model-card/1`.
    pub format: String,
    /// The recipe, as `name@version`.
    pub recipe: String,
    /// What the recipe is.
    pub recipe_description: String,
    /// The classifier, in a sentence.
    pub classifier: String,
    /// The encoders and how they were made.
    pub encoders: Vec<String>,
    /// The painters, in label order.
    pub painters: Vec<String>,
    /// How the final model was fitted.
    pub final_fit: FinalFit,
    /// The cross-validated accuracy.
    pub cross_validation: CvFigures,
    /// Per painter, pooled over every fold.
    pub per_painter: Vec<PainterFigures>,
    /// The calibration of the cross-validated probabilities.
    pub calibration: CalibrationFigures,
    /// Answering only at a confidence of at least the threshold: coverage and accuracy.
    pub min_confidence: Vec<SelectivePoint>,
    /// The data.
    pub data: Provenance,
    /// When (UTC).
    pub date: String,
    /// The command that made it.
    pub command: String,
    /// The machine.
    pub machine: String,
}

impl ModelCard {
    /// Reads the card of a model folder, if it has one.
    pub fn load(dir: &Path) -> Result<Option<Self>, PipelineError> {
        Ok(read_json::<Self>(&dir.join(CARD_FILE))
            .optional()?
            .filter(|c| c.format == CARD_FORMAT))
    }

    /// The cross-validated coverage and accuracy at the largest card threshold not above `p`.
    pub fn at_min_confidence(&self, p: f64) -> Option<&SelectivePoint> {
        self.min_confidence
            .iter()
            .filter(|s| s.threshold <= p + 1e-12)
            .max_by(|a, b| a.threshold.total_cmp(&b.threshold))
    }
}

/// The command line of this process, as a `cargo run` of its example when it is one.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    let quote = |a: &String| {
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || "\"'$`\\".contains(c)) {
            format!("'{}'", a.replace('\'', "'\\''"))
        } else {
            a.clone()
        }
    };
    let rest: Vec<String> = args.iter().skip(1).map(quote).collect();
    let program = args.first().map(|a| {
        Path::new(a)
            .file_name()
            .map_or(a.clone(), |n| n.to_string_lossy().into_owned())
    });
    match program.as_deref() {
        Some("reproduce") => format!(
            "cargo run --release --example reproduce{}",
            if rest.is_empty() {
                String::new()
            } else {
                format!(" -- {}", rest.join(" "))
            }
        ),
        other => std::iter::once(other.unwrap_or("").to_string())
            .chain(rest)
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// Every cross-validated test probability of the classifier, with its true label, and the same
/// before the temperature with every fold's temperature (when every fold recorded one).
struct Pooled {
    labels: Vec<usize>,
    probabilities: Vec<Vec<f64>>,
    unscaled: Option<(Vec<Vec<f64>>, Vec<f64>)>,
}

fn pooled_probabilities(out: &Path, draws: &[DrawResult]) -> Result<Pooled, PipelineError> {
    let mut pooled = Pooled {
        labels: Vec::new(),
        probabilities: Vec::new(),
        unscaled: Some((Vec::new(), Vec::new())),
    };
    for d in draws {
        for (k, f) in d.classifier.folds.iter().enumerate() {
            let test = &f.fold.test;
            let path = FoldRecord::path(out, ModelRole::Classifier, d.draw, k + 1);
            let record =
                FoldRecord::load_matching(out, ModelRole::Classifier, d.draw, k + 1, test)?
                    .and_then(|r| r.probabilities)
                    .ok_or_else(|| PipelineError::State {
                        path: path.clone(),
                        message: "the fold's record holds no probabilities for its test paintings"
                            .into(),
                    })?;
            for &i in test {
                pooled
                    .labels
                    .push(*d.labels.get(i).ok_or_else(|| PipelineError::State {
                        path: path.clone(),
                        message: format!("test index {i} has no label"),
                    })?);
            }
            pooled.probabilities.extend(record);
            let temperature = TemperatureRecord::load(out, d.draw, k + 1, test.len())?;
            pooled.unscaled = match (pooled.unscaled.take(), temperature) {
                (Some((mut p, mut t)), Some(r)) => {
                    p.extend(r.unscaled);
                    t.push(r.temperature.value);
                    Some((p, t))
                }
                _ => None,
            };
        }
    }
    Ok(pooled)
}

/// The rows of `dir/SOURCES.tsv` whose path (first column) lies in a folder named after one of
/// `painters`, written into the model folder `model`, and counted by origin; `None` without
/// such a file.
pub fn copy_sources(
    dir: &Path,
    painters: &[String],
    model: &Path,
) -> Result<Option<SourcesSummary>, PipelineError> {
    let path = dir.join(SOURCES_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(FileError::new(&path, e).into()),
    };
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    let origin_columns: Vec<usize> = header
        .split('\t')
        .enumerate()
        .skip(1)
        .filter(|(_, name)| !name.contains("path"))
        .map(|(i, _)| i)
        .collect();
    let mut kept = vec![header.to_string()];
    let mut origins: Vec<(String, usize)> = Vec::new();
    for line in lines {
        let columns: Vec<&str> = line.split('\t').collect();
        let file = Path::new(columns.first().copied().unwrap_or_default());
        let painter = file
            .parent()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned());
        if !painter.is_some_and(|p| painters.contains(&p)) {
            continue;
        }
        kept.push(line.to_string());
        let origin = origin_columns
            .iter()
            .filter_map(|&i| columns.get(i).copied())
            .collect::<Vec<_>>()
            .join(" @ ");
        match origins.iter_mut().find(|(o, _)| *o == origin) {
            Some((_, n)) => *n += 1,
            None => origins.push((origin, 1)),
        }
    }
    let target = model.join(SOURCES_FILE);
    painter_io::write_atomic(&target, (kept.join("\n") + "\n").as_bytes())?;
    Ok(Some(SourcesSummary {
        file: SOURCES_FILE.into(),
        rows: kept.len() - 1,
        origins,
    }))
}

/// Writes `card.json`, `MODEL.md`, `reliability.png` (and `reliability_unscaled.png` with a
/// temperature), `coverage.png` and `SOURCES.tsv` (when the data folder has one) into the final
/// model's folder; returns the card.
pub fn write_card(
    inputs: ReportInputs<'_>,
    summary: &RunSummary,
) -> Result<ModelCard, PipelineError> {
    let ReportInputs {
        experiment,
        data,
        encoders,
        draws,
        machine,
        ..
    } = inputs;
    let out = &experiment.run.out;
    let model = model_dir(out);
    let final_fit = draws
        .first()
        .and_then(|d| d.final_fit.clone())
        .ok_or_else(|| {
            PipelineError::InvalidOption("the model card needs the final model's fit".into())
        })?;
    let painters: Vec<String> = draws[0]
        .classifier
        .pooled
        .classes
        .iter()
        .map(|c| c.name.clone())
        .collect();

    let accuracies: Vec<f64> = draws
        .iter()
        .flat_map(|d| d.classifier.accuracy.values.iter().copied())
        .collect();
    let accuracy = ScoreSummary::new(accuracies.clone());
    let cross_validation = CvFigures {
        folds: experiment.run.folds,
        draws: draws.len(),
        accuracy_standard_error: accuracy.sample_std / (accuracies.len() as f64).sqrt(),
        fold_accuracies: accuracies,
        accuracy_mean: accuracy.mean,
        accuracy_std: accuracy.std,
        macro_f1: summary.macro_f1,
    };
    let report =
        super::report::pooled(draws, |d| Some(&d.classifier), &painters)?.ok_or_else(|| {
            PipelineError::InvalidOption("the model card needs cross-validated predictions".into())
        })?;
    let per_painter = report
        .classes
        .iter()
        .map(|c| PainterFigures {
            painter: c.name.clone(),
            recall: c.scores.recall,
            precision: c.scores.precision,
            support: c.scores.support,
        })
        .collect();

    let pooled = pooled_probabilities(out, draws)?;
    let calibration = Calibration::new(&pooled.probabilities, &pooled.labels, CALIBRATION_BINS)?;
    calibration.save_png(
        "Cross-validated probabilities",
        &model.join("reliability.png"),
    )?;
    let (before_temperature, fold_temperatures) = match &pooled.unscaled {
        Some((unscaled, temperatures)) if !temperatures.is_empty() => {
            let before = Calibration::new(unscaled, &pooled.labels, CALIBRATION_BINS)?;
            before.save_png(
                "Cross-validated probabilities before the temperature",
                &model.join("reliability_unscaled.png"),
            )?;
            (Some(before), temperatures.clone())
        }
        _ => (None, Vec::new()),
    };
    let selective = SelectiveAccuracy::new(&pooled.probabilities, &pooled.labels, &thresholds())?;
    selective.save_png(
        "Answering only above a confidence (cross-validated)",
        &model.join("coverage.png"),
    )?;

    let mut counts = vec![0usize; painters.len()];
    for &l in &draws[0].labels {
        if let Some(c) = counts.get_mut(l) {
            *c += 1;
        }
    }
    let run = &experiment.run;
    let sources = match &run.source {
        DataSource::Folder { dir } => copy_sources(dir, &painters, &model)?,
        _ => None,
    };
    let card = ModelCard {
        format: CARD_FORMAT.into(),
        recipe: summary.recipe.clone(),
        recipe_description: experiment.recipe.description.clone(),
        classifier: experiment.recipe.classifier.describe(),
        encoders: encoders
            .members
            .iter()
            .map(|m| m.description.clone())
            .collect(),
        painters: painters.clone(),
        final_fit,
        cross_validation,
        per_painter,
        calibration: CalibrationFigures {
            calibration,
            before_temperature,
            fold_temperatures,
        },
        min_confidence: selective.points,
        data: Provenance {
            source: data.description.clone(),
            unlabeled: run.unlabeled.as_ref().map(|p| p.display().to_string()),
            paintings: draws[0].labels.len(),
            per_painter: painters.iter().cloned().zip(counts).collect(),
            sources,
        },
        date: httpdate::fmt_http_date(std::time::SystemTime::now()),
        command: command_line(),
        machine: machine.to_string(),
    };
    write_json(&model.join(CARD_FILE), &card)?;
    let markdown = card.to_markdown();
    let path: PathBuf = model.join(CARD_MARKDOWN);
    painter_io::write_atomic(&path, markdown.as_bytes())?;
    Ok(card)
}

/// The thresholds the card's table shows.
const TABLE_THRESHOLDS: [f64; 8] = [0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

impl ModelCard {
    /// The card as Markdown (`MODEL.md`); figures are linked as files beside it.
    pub fn to_markdown(&self) -> String {
        let mut t = String::new();
        let cv = &self.cross_validation;
        let c = &self.calibration;
        let _ = writeln!(t, "# Model card: who painted this? ({})\n", self.recipe);
        let _ = writeln!(
            t,
            "Tells which of {} painters painted a painting: {}.\n",
            self.painters.len(),
            self.painters.join(", ")
        );
        let _ = writeln!(t, "- made {} by\n  `{}`", self.date, self.command);
        let _ = writeln!(t, "- on {}", self.machine);
        let _ = writeln!(t, "- recipe {}: {}", self.recipe, self.recipe_description);
        let _ = writeln!(t, "- classifier: {}", self.classifier);
        for (i, e) in self.encoders.iter().enumerate() {
            let _ = writeln!(t, "- encoder {}: {e}", i + 1);
        }
        let _ = writeln!(
            t,
            "- the final model: trained on all {} paintings, as a fold is trained: {}\n",
            self.final_fit.paintings, self.final_fit.details
        );

        let _ = writeln!(t, "## How often it is right\n");
        let _ = writeln!(
            t,
            "Stratified {}-fold cross-validation{} (every painting tested once by a model that never saw it): accuracy **{:.4}** (mean over {} folds; standard deviation {:.4}, standard error {:.4}), macro F1 {:.4}. Per fold: {}.\n",
            cv.folds,
            if cv.draws > 1 { format!(", {} draws", cv.draws) } else { String::new() },
            cv.accuracy_mean,
            cv.fold_accuracies.len(),
            cv.accuracy_std,
            cv.accuracy_standard_error,
            cv.macro_f1,
            cv.fold_accuracies
                .iter()
                .map(|a| format!("{a:.4}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(t, "| painter | recall | precision | paintings tested |");
        let _ = writeln!(t, "|---|---|---|---|");
        for p in &self.per_painter {
            let _ = writeln!(
                t,
                "| {} | {:.3} | {:.3} | {} |",
                p.painter, p.recall, p.precision, p.support
            );
        }

        let _ = writeln!(t, "\n## How sure it is, and whether to believe it\n");
        let _ = writeln!(
            t,
            "Calibration of the cross-validated probabilities ({} confidence bins): expected calibration error (ECE) **{:.4}**, maximum calibration error {:.4}, log loss {:.4}; mean confidence {:.4} against accuracy {:.4}.",
            c.calibration.bins.len(),
            c.calibration.ece,
            c.calibration.mce,
            c.calibration.log_loss,
            c.calibration.confidence,
            c.calibration.accuracy
        );
        match &c.before_temperature {
            Some(before) => {
                let (lo, hi) = c
                    .fold_temperatures
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                        (a.min(v), b.max(v))
                    });
                let _ = writeln!(
                    t,
                    "Each fold fitted a temperature T inside its training paintings (on the held-out predictions of the inner cross-validation that chose C; T from {lo:.3} to {hi:.3}). Before it: ECE {:.4}, maximum calibration error {:.4}, log loss {:.4}, mean confidence {:.4}. {}\n",
                    before.ece,
                    before.mce,
                    before.log_loss,
                    before.confidence,
                    verdict(before, &c.calibration)
                );
                let _ = writeln!(
                    t,
                    "![reliability](reliability.png) ![reliability before the temperature](reliability_unscaled.png)\n"
                );
            }
            None => {
                let _ = writeln!(
                    t,
                    "No temperature was fitted (`classifier.temperature = false`). {}\n",
                    if (c.calibration.confidence - c.calibration.accuracy).abs() <= 0.05 {
                        "The mean confidence is within 0.05 of the accuracy."
                    } else if c.calibration.confidence > c.calibration.accuracy {
                        "The probabilities are over-confident."
                    } else {
                        "The probabilities are under-confident."
                    }
                );
                let _ = writeln!(t, "![reliability](reliability.png)\n");
            }
        }
        let _ = writeln!(
            t,
            "`predict --min-confidence P` answers \"unknown\" when the most probable painter's probability is below P. Cross-validated, answering only from P on:\n"
        );
        let _ = writeln!(t, "| P | paintings answered | accuracy on them |");
        let _ = writeln!(t, "|---|---|---|");
        for p in TABLE_THRESHOLDS {
            if let Some(s) = self.at_min_confidence(p) {
                let _ = writeln!(
                    t,
                    "| {:.2} | {:.1}% | {} |",
                    s.threshold,
                    100.0 * s.coverage,
                    if s.accuracy.is_finite() {
                        format!("{:.1}%", 100.0 * s.accuracy)
                    } else {
                        "-".into()
                    }
                );
            }
        }
        let _ = writeln!(t, "\n![coverage and accuracy](coverage.png)\n");

        let d = &self.data;
        let _ = writeln!(t, "## Data\n");
        let _ = writeln!(
            t,
            "- labelled: {}, {} paintings ({})",
            d.source,
            d.paintings,
            listed(&d.per_painter, |(p, n)| format!("{p} {n}"), ", ")
        );
        if let Some(u) = &d.unlabeled {
            let _ = writeln!(t, "- encoders pretrained on the unlabeled paintings of {u}");
        }
        if let Some(s) = &d.sources {
            let _ = writeln!(
                t,
                "- provenance: {} rows of the data folder's SOURCES.tsv, copied in [{}]({}): {}",
                s.rows,
                s.file,
                s.file,
                listed(&s.origins, |(o, n)| format!("{n} from {o}"), "; ")
            );
        }
        t
    }
}

/// Each item described by `describe`, joined by `separator`.
fn listed<T>(items: &[T], describe: impl Fn(&T) -> String, separator: &str) -> String {
    items
        .iter()
        .map(describe)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Says whether the temperature helped, with the figures.
fn verdict(before: &Calibration, after: &Calibration) -> String {
    let gap = before.confidence - before.accuracy;
    let state = if gap.abs() <= 0.02 {
        format!("Before it the probabilities were already well calibrated (mean confidence {:.3} against accuracy {:.3})", before.confidence, before.accuracy)
    } else if gap > 0.0 {
        format!(
            "Before it the probabilities were over-confident (mean confidence {:.3} against accuracy {:.3})",
            before.confidence, before.accuracy
        )
    } else {
        format!(
            "Before it the probabilities were under-confident (mean confidence {:.3} against accuracy {:.3})",
            before.confidence, before.accuracy
        )
    };
    format!(
        "{state}; the temperature took the ECE from {:.4} to {:.4} and the log loss from {:.4} to {:.4}.",
        before.ece, after.ece, before.log_loss, after.log_loss
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sources_of_the_painters_used_are_copied_and_counted_by_origin() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        let model = tmp.path().join("model");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::create_dir_all(&model).unwrap();
        let rows = [
            "path\tsource_repo\tsource_path\tcommit",
            "paintings/a/a_1.jpg\tr1\tx/1.jpg\tc1",
            "paintings/a/a_2.jpg\tr1\tx/2.jpg\tc1",
            "paintings/b/b_1.jpg\tr2\ty/1.jpg\tc2",
            "paintings/c/c_1.jpg\tr1\tz/1.jpg\tc1",
            "paintings-unlabeled/u.jpg\tr3\tu.jpg\tc3",
        ];
        std::fs::write(data.join(SOURCES_FILE), rows.join("\n")).unwrap();
        let painters = vec!["a".to_string(), "b".to_string()];
        let summary = copy_sources(&data, &painters, &model).unwrap().unwrap();
        assert_eq!(summary.rows, 3);
        assert_eq!(
            summary.origins,
            vec![("r1 @ c1".to_string(), 2), ("r2 @ c2".to_string(), 1)]
        );
        let copied = std::fs::read_to_string(model.join(SOURCES_FILE)).unwrap();
        assert_eq!(copied.lines().collect::<Vec<_>>(), rows[..4].to_vec());
        assert!(copy_sources(&model.join("none"), &painters, &model)
            .unwrap()
            .is_none());
    }
}
