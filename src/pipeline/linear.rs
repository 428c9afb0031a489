//! The linear-probe classifier of a draw (`--head linear`): the frozen pretrained encoder's
//! [`painter_classify::ChannelStatistics`] of every image (or patch), computed once, then per fold
//! a standardized logistic regression ([`LinearProbe`]) whose `C` is chosen by stratified
//! cross-validation inside the fold's training part. The fold's test images are used for nothing
//! but the final prediction.

use super::cross_validation::{cv_config, fold_accuracy, ClassifierRun, FoldTally};
use super::state::{fold_dir, FoldRecord};
use super::{PipelineError, ReproduceOptions};
use candle_core::Device;
use indicatif::{ProgressBar, ProgressStyle};
use painter_classify::{
    load_images, ChannelStatistics, LinearProbe, LinearProbeConfig, Preprocessing,
    PretrainedEncoder, ProbeClassifier, SampleFeatures, StatisticsFeatures,
};
use painter_data::Dataset;
use painter_eval::{cross_validate, StratifiedKFold};
use painter_plot::LineChart;
use std::time::Instant;

/// Images read and described per step (bounds the memory of decoded images).
const CHUNK: usize = 64;

/// The [`painter_classify::ChannelStatistics`] of every image of `dataset` (already standardized
/// to `features.image_size`): of the whole image, or (with a patch size) of each of its
/// [`painter_classify::patch_corners`] patches. Reads the images in chunks, so memory holds the
/// features, not the pixels.
pub fn channel_statistics(
    features: &StatisticsFeatures,
    dataset: &dyn Dataset,
    device: &Device,
    verbose: bool,
) -> Result<SampleFeatures, PipelineError> {
    let n = dataset.len();
    let bar = if verbose {
        let bar = ProgressBar::new(n as u64);
        bar.set_style(
            ProgressStyle::with_template("  features {bar:30} {pos}/{len} images ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    // The pipeline's datasets are already standardized to the feature size (no work is redone).
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

/// The probe settings of a run (the inner folds are shuffled with the fold's seed).
pub fn probe_config(options: &ReproduceOptions, seed: u64) -> LinearProbeConfig {
    LinearProbeConfig {
        c_grid: options.c_grid.clone(),
        seed: Some(seed),
        ..LinearProbeConfig::default()
    }
}

/// Says which of a probe's fits used up its solver's `max_iter` before its gradient tolerance, or
/// `None` when every fit converged. Such a fit is close to the optimum but not at it to the
/// tolerance: worth knowing when comparing runs.
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

/// Runs the linear probe on the folds of one draw (see the [module docs](self)).
pub struct LinearFoldRunner<'a> {
    /// The run's settings.
    pub options: &'a ReproduceOptions,
    /// The draw (from 0).
    pub draw: usize,
    /// The draw's images.
    pub dataset: &'a dyn Dataset,
    /// The label of every image of the draw.
    pub labels: &'a [usize],
    /// How the images became features (saved with every fold's model).
    pub extractor: &'a StatisticsFeatures,
    /// The features of every image of the draw.
    pub features: &'a SampleFeatures,
    /// Folds of the cross-validation.
    pub folds: usize,
    /// The folds trained and reused so far.
    pub tally: FoldTally,
}

impl LinearFoldRunner<'_> {
    /// Fits the probe on `train`, predicts `test` (or reuses the fold's record).
    pub fn run_fold(
        &mut self,
        fold0: usize,
        train: &[usize],
        test: &[usize],
    ) -> Result<Vec<usize>, PipelineError> {
        let out = &self.options.out;
        let fold = fold0 + 1;
        let key = (self.draw, fold, self.folds);
        if let Some(predictions) = self.tally.reuse(out, key, test, self.labels)? {
            return Ok(predictions);
        }
        let started = Instant::now();
        let seed = self.options.seed.wrapping_add(fold0 as u64);
        let probe = LinearProbe::fit(
            &probe_config(self.options, seed),
            self.features,
            self.labels,
            train,
            self.dataset.class_names().to_vec(),
        )?;
        let predictions = test
            .iter()
            .map(|&i| Ok(probe.predict_sample(self.features, i)?))
            .collect::<Result<Vec<usize>, PipelineError>>()?;
        let seconds = started.elapsed().as_secs_f64();

        let dir = fold_dir(out, self.draw, fold);
        std::fs::create_dir_all(&dir).map_err(|e| PipelineError::io(&dir, e))?;
        if probe.scores.len() > 1 {
            LineChart::new(format!("Choosing C inside fold {fold}'s training part"))
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
                .save_png(&dir.join("c_selection.png"))
                .map_err(painter_classify::ClassifyError::from)?;
        }
        let c = probe.c;
        let convergence = convergence_note(&probe);
        let scores = probe
            .scores
            .iter()
            .map(|s| format!("{:.3}", s.accuracy))
            .collect::<Vec<_>>()
            .join("/");
        if self.options.save_models {
            ProbeClassifier::new(self.extractor.clone(), probe)?.save(&dir.join("model"))?;
        }
        println!(
            "  fold {fold}/{}: {} training images, {} test: accuracy {:.4}, C {} (inner CV accuracy {}), {seconds:.1} s",
            self.folds,
            train.len(),
            test.len(),
            fold_accuracy(test, &predictions, self.labels),
            c,
            scores
        );
        if let Some(note) = convergence {
            println!("    {note}");
        }
        FoldRecord::new(
            self.draw,
            fold,
            train.len(),
            test.to_vec(),
            predictions.clone(),
            None,
            seconds,
        )
        .save(out)?;
        self.tally.trained(seconds);
        Ok(predictions)
    }
}

/// Cross-validates the linear probe on the statistics of the draw's images (computed once) read
/// through `encoders` (one, or an ensemble whose statistics are concatenated).
pub fn cross_validate_probe(
    options: &ReproduceOptions,
    draw: usize,
    dataset: &dyn Dataset,
    labels: &[usize],
    split: &StratifiedKFold,
    encoders: &[PretrainedEncoder],
    device: &Device,
) -> Result<ClassifierRun, PipelineError> {
    let size = options.feature_image_size()?;
    println!(
        "  computing the channel statistics of the {} of the draw's {} images at {size}x{size} px",
        if encoders.len() > 1 {
            format!("{} frozen encoders", encoders.len())
        } else {
            "frozen encoder".into()
        },
        dataset.len()
    );
    let started = Instant::now();
    let patch = options.patch_size.map(|p| p as u32);
    let (first, more) = encoders
        .split_first()
        .ok_or_else(|| PipelineError::InvalidOption("the linear probe needs an encoder".into()))?;
    let statistics = more
        .iter()
        .try_fold(ChannelStatistics::new(first.clone()), |s, e| {
            s.with_encoder(e.clone())
        })?;
    let extractor = StatisticsFeatures {
        statistics: statistics
            .with_negative_slope(options.statistics_slope)?
            .with_scales(options.statistics_scales.clone())?,
        image_size: size,
        patch,
    };
    let features = channel_statistics(&extractor, dataset, device, options.verbose)?;
    let feature_seconds = started.elapsed().as_secs_f64();
    println!(
        "  {} statistics per {} ({} rows, {feature_seconds:.1} s)",
        features.matrix().columns(),
        if patch.is_some() { "patch" } else { "image" },
        features.matrix().rows()
    );
    let mut runner = LinearFoldRunner {
        options,
        draw,
        dataset,
        labels,
        extractor: &extractor,
        features: &features,
        folds: options.folds,
        tally: FoldTally::default(),
    };
    let mut model =
        |fold: usize, train: &[usize], test: &[usize]| runner.run_fold(fold, train, test);
    let cv = cross_validate(&mut model, split, labels, &cv_config(dataset))
        .map_err(PipelineError::from_cv)?;
    let mut tally = runner.tally;
    tally.seconds += feature_seconds;
    Ok(ClassifierRun { cv, tally })
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
