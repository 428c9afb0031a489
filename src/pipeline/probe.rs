//! The linear probe of a draw (`classifier.kind = "probe"`): the frozen encoders'
//! [`painter_classify::ChannelStatistics`] of every painting (or patch), computed once per draw,
//! then per fold a standardized logistic regression ([`LinearProbe`]) whose `C` is chosen by
//! stratified cross-validation inside the fold's training paintings. The fold's test paintings are
//! used for nothing but the final prediction.

use super::final_model::TemperatureRecord;
use super::folds::{Fold, FoldClassifier, FoldOutput};
use super::protocol::{CurvePoint, Protocol, ScoredFoldCurve, TrainingStep};
use super::PipelineError;
use crate::recipe::ProbeRecipe;
use candle_core::Device;
use painter_classify::{
    load_images, ChannelStatistics, LinearProbe, LinearProbeConfig, Preprocessing,
    PretrainedEncoder, ProbeClassifier, SampleFeatures, StatisticsFeatures,
};
use painter_data::Dataset;
use painter_eval::accuracy_score;
use painter_io::FileError;
use painter_plot::LineChart;

/// Paintings read and described per step (bounds the memory of decoded paintings).
const CHUNK: usize = 64;

/// How the probe turns paintings into statistics: the encoders read as the recipe says.
pub fn extractor(
    recipe: &ProbeRecipe,
    encoders: &[PretrainedEncoder],
) -> Result<StatisticsFeatures, PipelineError> {
    let (first, more) = encoders
        .split_first()
        .ok_or_else(|| PipelineError::InvalidOption("the probe needs an encoder".into()))?;
    let statistics = more
        .iter()
        .try_fold(ChannelStatistics::new(first.clone()), |s, e| {
            s.with_encoder(e.clone())
        })?;
    let side = |v: usize| {
        u32::try_from(v).map_err(|_| PipelineError::InvalidOption(format!("side {v} too large")))
    };
    Ok(StatisticsFeatures {
        statistics: statistics
            .with_negative_slope(recipe.negative_slope)?
            .with_scales(recipe.scales.clone())?,
        image_size: side(recipe.image_size)?,
        patch: (recipe.patch_size > 0)
            .then(|| side(recipe.patch_size))
            .transpose()?,
    })
}

/// The statistics of every painting of `dataset` (already standardized to the extractor's side):
/// of the whole painting, or of each of its patches. Reads the paintings in chunks, so memory
/// holds the statistics, not the pixels.
pub fn channel_statistics(
    features: &StatisticsFeatures,
    dataset: &dyn Dataset,
    device: &Device,
    verbose: bool,
) -> Result<SampleFeatures, PipelineError> {
    let n = dataset.len();
    let bar = painter_data::progress_bar(
        n,
        verbose,
        "  statistics {bar:30} {pos}/{len} paintings ({eta})",
    );
    let preprocessing = Preprocessing::new(features.image_size);
    let mut all = SampleFeatures::empty(features.statistics.dim())?;
    let indices: Vec<usize> = (0..n).collect();
    for chunk in indices.chunks(CHUNK) {
        let images = load_images(dataset, chunk, &preprocessing, None)?;
        all.append(&features.of_images(images, device, |k| bar.inc(k as u64))?)?;
    }
    bar.finish_and_clear();
    Ok(all)
}

/// Says which of a probe's fits stopped at their iteration limit before the gradient tolerance,
/// or `None` when every fit converged.
fn convergence_note(probe: &LinearProbe) -> Option<String> {
    let inner: usize = probe.scores.iter().map(|s| s.unconverged_folds).sum();
    let final_fit = probe.fit_report.filter(|r| !r.converged);
    if inner == 0 && final_fit.is_none() {
        return None;
    }
    let mut parts = Vec::new();
    if let Some(r) = final_fit {
        parts.push(format!(
            "the final fit (largest gradient entry {:.1e})",
            r.gradient_max
        ));
    }
    if inner > 0 {
        let by_c = probe
            .scores
            .iter()
            .filter(|s| s.unconverged_folds > 0)
            .map(|s| format!("{} at C {}", s.unconverged_folds, s.c))
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(format!("{inner} inner fit(s) ({by_c})"));
    }
    Some(format!(
        "the probe's solver stopped at its iteration limit before the gradient tolerance in {}",
        parts.join(" and ")
    ))
}

/// The fraction of `test` whose prediction by `probe` is its label.
fn test_accuracy(
    probe: &LinearProbe,
    features: &SampleFeatures,
    labels: &[usize],
    test: &[usize],
) -> Result<f64, PipelineError> {
    let mut truth = Vec::with_capacity(test.len());
    let mut predicted = Vec::with_capacity(test.len());
    for &i in test {
        truth.push(labels.get(i).copied().ok_or_else(|| {
            PipelineError::CrossValidation(format!("test index {i} has no label"))
        })?);
        predicted.push(probe.predict_sample(features, i)?);
    }
    Ok(accuracy_score(&truth, &predicted)?)
}

/// The paper's protocol for the probe: every `C` of the grid (increasing), fitted on all of the
/// fold's training paintings (`C` is the probe's training choice) and scored on its test
/// paintings. `chosen` is the honest fit, reused for its own `C` (the same fit).
fn scored_fold_curve(
    config: &LinearProbeConfig,
    chosen: &LinearProbe,
    folds: &ProbeFolds<'_>,
    train: &[usize],
    test: &[usize],
) -> Result<ScoredFoldCurve, PipelineError> {
    let mut grid = config.c_grid.clone();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    let points = grid
        .into_iter()
        .map(|c| {
            let accuracy = if c == chosen.c {
                test_accuracy(chosen, folds.features, folds.labels, test)?
            } else {
                let probe = LinearProbe::fit(
                    &LinearProbeConfig {
                        c_grid: vec![c],
                        ..config.clone()
                    },
                    folds.features,
                    folds.labels,
                    train,
                    folds.class_names.to_vec(),
                )?;
                test_accuracy(&probe, folds.features, folds.labels, test)?
            };
            Ok(CurvePoint { step: c, accuracy })
        })
        .collect::<Result<Vec<_>, PipelineError>>()?;
    ScoredFoldCurve::new(TrainingStep::C, points)
}

/// The probe as a fold model over the statistics of a draw's paintings.
pub struct ProbeFolds<'a> {
    /// The recipe's probe settings.
    pub recipe: &'a ProbeRecipe,
    /// How the paintings became statistics (saved with every fold's model).
    pub extractor: &'a StatisticsFeatures,
    /// The statistics of every painting of the draw.
    pub features: &'a SampleFeatures,
    /// Every painting's label.
    pub labels: &'a [usize],
    /// The painters, in label order.
    pub class_names: &'a [String],
    /// Save every fold's model.
    pub save_models: bool,
}

impl FoldClassifier for ProbeFolds<'_> {
    fn fit_fold(&mut self, fold: &Fold<'_>) -> Result<FoldOutput, PipelineError> {
        let (train, test) = (fold.train, fold.test);
        let config = LinearProbeConfig {
            c_grid: self.recipe.c_grid.clone(),
            inner_folds: self.recipe.inner_folds,
            seed: Some(fold.seed),
            temperature: self.recipe.temperature,
            ..LinearProbeConfig::default()
        };
        let probe = LinearProbe::fit(
            &config,
            self.features,
            self.labels,
            train,
            self.class_names.to_vec(),
        )?;
        let probabilities = test
            .iter()
            .map(|&i| Ok(probe.predict_sample_proba(self.features, i)?))
            .collect::<Result<Vec<Vec<f64>>, PipelineError>>()?;
        std::fs::create_dir_all(&fold.dir).map_err(FileError::at(&fold.dir))?;
        if self.recipe.temperature {
            let unscaled = test
                .iter()
                .map(|&i| Ok(probe.predict_sample_proba_unscaled(self.features, i)?))
                .collect::<Result<Vec<Vec<f64>>, PipelineError>>()?;
            TemperatureRecord::new(probe.temperature, unscaled).save(&fold.dir)?;
        }
        if probe.scores.len() > 1 {
            LineChart::new(if fold.fold == 0 {
                "Choosing C on every painting (the final model)".to_string()
            } else {
                format!("Choosing C inside fold {}'s training part", fold.fold)
            })
            .x_label("log10 C")
            .y_label("inner cross-validation accuracy")
            .series(
                "accuracy",
                probe
                    .scores
                    .iter()
                    .map(|s| (s.c.log10(), s.accuracy))
                    .collect(),
            )
            .save_png(&fold.dir.join("c_selection.png"))
            .map_err(painter_classify::ClassifyError::from)?;
        }
        let mut details = format!(
            "C {} (inner CV accuracy {})",
            probe.c,
            probe
                .scores
                .iter()
                .map(|s| format!("{:.3}", s.accuracy))
                .collect::<Vec<_>>()
                .join("/")
        );
        if self.recipe.temperature {
            details += &format!(", temperature {:.3}", probe.temperature.value);
        }
        let notes = convergence_note(&probe).into_iter().collect();
        let scored_fold = match fold.protocol {
            Protocol::Honest => None,
            Protocol::Paper => Some(scored_fold_curve(&config, &probe, self, train, test)?),
        };
        if self.save_models {
            ProbeClassifier::new(self.extractor.clone(), probe)?.save(&fold.dir.join("model"))?;
        }
        Ok(FoldOutput {
            probabilities,
            details,
            notes,
            history: None,
            scored_fold,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use painter_classify::{FeatureMatrix, LinearProbeConfig, LogisticRegression};

    fn probe(max_iter: usize) -> LinearProbe {
        let x: Vec<f64> = (0..24)
            .map(|i| (i as f64 * 0.77).sin() + (i / 12) as f64)
            .collect();
        let x = SampleFeatures::one_row_each(FeatureMatrix::new(x, 1).unwrap());
        let y: Vec<usize> = (0..24).map(|i| i / 12).collect();
        let rows: Vec<usize> = (0..24).collect();
        let cfg = LinearProbeConfig {
            c_grid: vec![0.1, 1.0],
            inner_folds: 3,
            solver: LogisticRegression {
                max_iter,
                ..LinearProbeConfig::default().solver
            },
            ..LinearProbeConfig::default()
        };
        LinearProbe::fit(&cfg, &x, &y, &rows, vec!["a".into(), "b".into()]).unwrap()
    }

    #[test]
    fn a_probe_that_stopped_at_its_iteration_limit_is_named() {
        assert_eq!(convergence_note(&probe(1000)), None);
        let note = convergence_note(&probe(1)).unwrap();
        assert!(
            note.contains("the final fit (largest gradient entry"),
            "{note}"
        );
        assert!(
            note.contains("6 inner fit(s) (3 at C 0.1, 3 at C 1)"),
            "{note}"
        );
        let mut only_inner = probe(1);
        only_inner.fit_report = None;
        let note = convergence_note(&only_inner).unwrap();
        assert!(!note.contains("final fit"), "{note}");
    }
}
